"""Run the six tools inside one caller's scope (tenant + cube, optionally one user).

Why a fixed scope: whoever calls (a model choosing its own calls, an HTTP client, an MCP agent) must not
be able to name another tenant, persona or user. Every id passed in is checked against the scope, and
anything outside it is "not found". `call` raises the engine's typed errors (the HTTP routes turn them
into statuses); `run` never raises and answers the seed's unified error body instead (models and MCP).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from bot.memory_tools.catalog import TOOLS
from bot.memory_tools.models import (
    DeleteParams,
    DeleteResult,
    GetParams,
    GetResult,
    ListItem,
    ListParams,
    ListResult,
    SearchItem,
    SearchParams,
    SearchResult,
    StoreParams,
    StoreResult,
    UpdateParams,
    UpdateResult,
)
from memory.engine import MemoryEngine
from memory.errors import NotFoundError, OmoideError, ValidationError
from memory.types import Memory, MemoryFilter, Scope

log = logging.getLogger("omoide.tools")


class ReadOnlyError(OmoideError):
    """A write tool called with read-only access."""

    error_type = "Forbidden"


@dataclass(frozen=True)
class ToolScope:
    """Where the tools act. `user_id=None` means the whole cube (the HTTP tools routes): a stored memory's
    user is then its `agent_id`; with a user, every read and write stays within that user's memories."""

    tenant: str
    cube: str
    user_id: str | None = None


def error_body(error_type: str, message: str, field: str | None = None) -> dict[str, Any]:
    """The seed's unified error (`error`, `error_type`, `message`) plus `field`, naming what to fix."""
    return {"error": True, "error_type": error_type, "message": message, "field": field}


def _pydantic_error(exc: PydanticError) -> ValidationError:
    first = exc.errors()[0]
    name = ".".join(str(p) for p in first["loc"]) or "arguments"
    if first["type"] == "missing":
        msg = "is required"
    elif first["type"] in ("string_too_short", "string_pattern_mismatch") and first["loc"] != ():
        msg = "cannot be empty"
    else:
        msg = first["msg"]
    return ValidationError(f"{name}: {msg}", field=name)


def parse_arguments(name: str, arguments: str | dict[str, Any] | None) -> BaseModel:
    """Model-written arguments: JSON text or an object; `null` means absent; unknown keys are refused by name
    (a model that invents a parameter should hear so, not have it silently dropped)."""
    spec = TOOLS.get(name)
    if spec is None:
        raise NotFoundError(f"unknown tool {name!r}; tools: {', '.join(TOOLS)}", field="name")
    try:
        raw = json.loads(arguments) if isinstance(arguments, str) and arguments.strip() else arguments or {}
    except json.JSONDecodeError as exc:
        raise ValidationError(f"arguments are not valid JSON ({exc.msg})", field="arguments") from None
    if not isinstance(raw, dict):
        raise ValidationError("arguments must be a JSON object", field="arguments")
    unknown = sorted(set(raw) - set(spec.params.model_fields))
    if unknown:
        raise ValidationError(f"{unknown[0]}: unknown parameter; {name} takes "
                              f"{', '.join(spec.params.model_fields)}", field=unknown[0])
    try:
        return spec.params.model_validate({k: v for k, v in raw.items() if v is not None})
    except PydanticError as exc:
        raise _pydantic_error(exc) from None


class MemoryToolbox:
    """The six tools for one scope. `writes=False` (a read-only key) refuses store, update and delete."""

    def __init__(self, engine: MemoryEngine, scope: ToolScope | Scope, *, actor: str = "llm",
                 writes: bool = True) -> None:
        self.engine = engine
        self.scope = ToolScope(scope.tenant, scope.cube, scope.user_id)
        self.actor = actor
        self.writes = writes
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def run(self, name: str, arguments: str | dict[str, Any] | None) -> dict[str, Any]:
        """Parse and run a call; the result, or the unified error body. Never raises."""
        try:
            params = parse_arguments(name, arguments)
            self.calls.append((name, params.model_dump(exclude_none=True, mode="json")))
            result = await self.call(name, params)
        except OmoideError as exc:
            return error_body(exc.error_type, exc.message, exc.field)
        except Exception:  # a tool must never crash the conversation or the connection
            log.exception("memory tool %s failed", name)
            return error_body("InternalError", "the tool failed; try again later")
        return result.model_dump(mode="json")

    async def call(self, name: str, params: BaseModel) -> BaseModel:
        """Run validated parameters; raises the engine's typed errors."""
        spec = TOOLS.get(name)
        if spec is None:
            raise NotFoundError(f"unknown tool {name!r}; tools: {', '.join(TOOLS)}", field="name")
        if spec.writes and not self.writes:
            raise ReadOnlyError(f"{name} needs a key that may write; this key is read-only "
                                "(memory_search, memory_get and memory_list only)")
        result: BaseModel = await getattr(self, "_" + name)(params)
        return result

    def _filter(self, **extra: Any) -> MemoryFilter:
        return MemoryFilter(tenant=self.scope.tenant, cube=self.scope.cube, user_id=self.scope.user_id, **extra)

    async def owned(self, memory_id: str) -> Memory:
        """The memory if it lives in this scope, else NotFoundError (never a hint that it exists)."""
        m = await self.engine.get(memory_id, tenant=self.scope.tenant)
        if m.scope.cube != self.scope.cube or (self.scope.user_id and m.scope.user_id != self.scope.user_id):
            raise NotFoundError(f"memory {memory_id} not found", field="id")
        return m

    async def _memory_store(self, p: StoreParams) -> StoreResult:
        meta, user = dict(p.metadata), self.scope.user_id
        if user is None:
            user = p.agent_id  # cube-wide callers (HTTP): the agent is the memory's user
        elif p.agent_id:
            meta["agent_id"] = p.agent_id
        res = await self.engine.store(Scope(self.scope.tenant, self.scope.cube, user), p.content,
                                      content_type=p.content_type, tier=p.memory_tier, tags=p.tags, metadata=meta,
                                      ttl_seconds=p.ttl_seconds, actor=self.actor)
        m = res.memory
        return StoreResult(id=m.id, content=m.content, memory_tier=m.tier.value, created_at=m.created_at)

    async def _memory_search(self, p: SearchParams) -> SearchResult:
        f = self._filter(tiers=[p.memory_tier] if p.memory_tier else None, tags=p.tags, content_type=p.content_type)
        hits = await self.engine.search(p.query, f, top_k=p.top_k, min_similarity=p.min_similarity)
        items = [SearchItem(id=h.memory.id, content=h.memory.content, similarity=h.score,
                            memory_tier=h.memory.tier.value, tags=h.memory.tags, created_at=h.memory.created_at)
                 for h in hits]
        return SearchResult(results=items, total=len(items))

    async def _memory_get(self, p: GetParams) -> GetResult:
        m = await self.owned(p.id)
        return GetResult(id=m.id, content=m.content, content_type=m.content_type.value, memory_tier=m.tier.value,
                         tags=m.tags, metadata=m.metadata, created_at=m.created_at, updated_at=m.updated_at,
                         expires_at=m.expires_at)

    async def _memory_update(self, p: UpdateParams) -> UpdateResult:
        await self.owned(p.id)
        m = await self.engine.update(p.id, content=p.content, tags=p.tags, metadata=p.metadata, tier=p.memory_tier,
                                     tenant=self.scope.tenant, actor=self.actor)
        return UpdateResult(id=m.id, updated=True, updated_at=m.updated_at)

    async def _memory_delete(self, p: DeleteParams) -> DeleteResult:
        ids = ([p.id] if p.id else []) + list(p.ids or [])
        if not ids and p.memory_tier is None and p.older_than is None and p.ids is None:
            raise ValidationError("give id, ids, memory_tier or older_than (memory_delete needs at least one)",
                                  field="id")
        if p.id and not p.ids and p.memory_tier is None and p.older_than is None:
            await self.owned(p.id)  # a single unknown id is a NotFoundError
        f = self._filter(ids=ids if (ids or p.ids is not None) else None,
                         tiers=[p.memory_tier] if p.memory_tier else None, created_before=p.older_than)
        deleted = await self.engine.delete(f, actor=self.actor)
        return DeleteResult(deleted_count=len(deleted), deleted_ids=deleted)

    async def _memory_list(self, p: ListParams) -> ListResult:
        f = self._filter(tiers=[p.memory_tier] if p.memory_tier else None, tags=p.tags, content_type=p.content_type,
                         created_after=p.created_after, created_before=p.created_before)
        page = await self.engine.list(f, limit=p.limit, offset=p.offset)
        items = [ListItem(id=m.id, content=m.content, content_type=m.content_type.value, memory_tier=m.tier.value,
                          tags=m.tags, created_at=m.created_at) for m in page.memories]
        return ListResult(memories=items, total=page.total, limit=page.limit, offset=page.offset)
