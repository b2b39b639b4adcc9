"""The six Memory Tools of the seed (`memory_store/search/get/update/delete/list`) as function-calling
tools for the model, executed within ONE caller's scope (tenant + persona cube + user).

Why a fixed scope: the model decides what to call, so it must not be able to name another user or
persona. Every id it passes is checked against the scope; anything outside is "not found". Results and
errors use the seed's shapes (errors: {"error": true, "error_type", "message"}).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError

from memory.engine import MemoryEngine
from memory.errors import NotFoundError, OmoideError, ValidationError
from memory.types import Memory, MemoryFilter, Scope

log = logging.getLogger("omoide.tools")

TierName = Literal["short_term", "long_term", "working"]
ContentTypeName = Literal["text", "image", "code", "json", "yaml"]


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StoreArgs(_Args):
    """Save a memory entry (its embedding is generated automatically)."""
    content: str = Field(description="The content to remember")
    content_type: ContentTypeName = Field("text", description="Content type")
    memory_tier: TierName = Field("long_term", description="short_term (expires), long_term, or working")
    tags: list[str] = Field(default_factory=list, description="Tags for classification")
    metadata: dict[str, Any] = Field(default_factory=dict, description="Extra metadata")
    agent_id: str | None = Field(None, description="Agent id")
    ttl_seconds: int | None = Field(None, ge=0, description="Time to live in seconds")


class SearchArgs(_Args):
    """Search memories by semantic similarity."""
    query: str = Field(description="Search query text")
    top_k: int = Field(10, ge=1, le=1000, description="Maximum number of results")
    memory_tier: TierName | None = Field(None, description="Filter by tier")
    tags: list[str] | None = Field(None, description="Filter by tags (all must match)")
    content_type: ContentTypeName | None = Field(None, description="Filter by content type")
    min_similarity: float = Field(0.0, ge=0.0, le=1.0, description="Minimum similarity 0.0-1.0")


class GetArgs(_Args):
    """Get one memory by id."""
    id: str = Field(description="Memory id (UUID)")


class UpdateArgs(_Args):
    """Update a memory: content re-embeds, tags replace, metadata merges, tier moves."""
    id: str = Field(description="Memory id to update")
    content: str | None = Field(None, description="New content")
    tags: list[str] | None = Field(None, description="New tag list (replaces)")
    metadata: dict[str, Any] | None = Field(None, description="Metadata to merge")
    memory_tier: TierName | None = Field(None, description="New tier")


class DeleteArgs(_Args):
    """Delete memories by id, ids, tier, or age."""
    id: str | None = Field(None, description="One memory id")
    ids: list[str] | None = Field(None, description="Several memory ids")
    memory_tier: TierName | None = Field(None, description="Delete every memory of this tier")
    older_than: datetime | None = Field(None, description="Delete memories older than this (ISO 8601)")


class ListArgs(_Args):
    """List memories with filters and pagination, newest first."""
    memory_tier: TierName | None = Field(None, description="Filter by tier")
    tags: list[str] | None = Field(None, description="Filter by tags (all must match)")
    content_type: ContentTypeName | None = Field(None, description="Filter by content type")
    created_after: datetime | None = Field(None, description="Created at or after (ISO 8601)")
    created_before: datetime | None = Field(None, description="Created at or before (ISO 8601)")
    limit: int = Field(50, ge=1, le=1000, description="Maximum results")
    offset: int = Field(0, ge=0, description="Pagination offset")


TOOL_ARGS: dict[str, type[_Args]] = {
    "memory_store": StoreArgs, "memory_search": SearchArgs, "memory_get": GetArgs,
    "memory_update": UpdateArgs, "memory_delete": DeleteArgs, "memory_list": ListArgs,
}


def _simplify(schema: Any) -> Any:
    """Plain JSON schema small local models follow well: no titles, optional = absent (not `null`)."""
    if isinstance(schema, list):
        return [_simplify(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _simplify(v) for k, v in schema.items() if k != "title"}
    options = out.get("anyOf")
    if isinstance(options, list):
        rest = [o for o in options if o != {"type": "null"}]
        if len(rest) == 1:
            out.pop("anyOf")
            out = {**rest[0], **out}
    if out.get("default", 0) is None:
        out.pop("default")
    return out


def tool_definitions() -> list[dict[str, Any]]:
    """The OpenAI `tools` array: one JSON-schema function per memory tool."""
    out = []
    for name, model in TOOL_ARGS.items():
        schema = _simplify(model.model_json_schema())
        schema.pop("description", None)
        out.append({"type": "function", "function": {"name": name, "description": (model.__doc__ or "").strip(),
                                                      "parameters": schema}})
    return out


def _iso(d: datetime | None) -> str | None:
    return d.isoformat().replace("+00:00", "Z") if d else None


def error(error_type: str, message: str) -> dict[str, Any]:
    return {"error": True, "error_type": error_type, "message": message}


class MemoryToolbox:
    """Runs tool calls for one scope; `run` never raises: bad calls come back as the seed's error."""

    def __init__(self, engine: MemoryEngine, scope: Scope, *, actor: str = "llm") -> None:
        if not scope.user_id:
            raise ValueError("the toolbox needs a scope with a user")
        self.engine = engine
        self.scope = scope
        self.actor = actor
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _filter(self, **extra: Any) -> MemoryFilter:
        return MemoryFilter(tenant=self.scope.tenant, cube=self.scope.cube, user_id=self.scope.user_id, **extra)

    async def _owned(self, memory_id: str) -> Memory:
        mem = await self.engine.get(memory_id, tenant=self.scope.tenant)
        if mem.scope.cube != self.scope.cube or mem.scope.user_id != self.scope.user_id:
            raise NotFoundError(f"memory {memory_id} not found", field="id")
        return mem

    async def run(self, name: str, arguments: str | dict[str, Any]) -> dict[str, Any]:
        model = TOOL_ARGS.get(name)
        if model is None:
            return error("ValidationError", f"unknown tool {name!r}; tools: {', '.join(TOOL_ARGS)}")
        try:
            raw = json.loads(arguments) if isinstance(arguments, str) and arguments.strip() else arguments or {}
            if not isinstance(raw, dict):
                return error("ValidationError", "arguments must be a JSON object")
            args = model.model_validate({k: v for k, v in raw.items() if v is not None})
        except json.JSONDecodeError as exc:
            return error("ValidationError", f"arguments are not valid JSON ({exc.msg})")
        except PydanticError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "arguments"
            return error("ValidationError", f"{where}: {first['msg']}")
        self.calls.append((name, args.model_dump(exclude_none=True)))
        try:
            tool: Callable[[BaseModel], Awaitable[dict[str, Any]]] = getattr(self, "_" + name)
            return await tool(args)
        except OmoideError as exc:
            return error(exc.error_type, exc.message)
        except Exception:  # a tool must never crash the conversation
            log.exception("memory tool %s failed", name)
            return error("InternalError", "the tool failed; try again later")

    async def _memory_store(self, a: StoreArgs) -> dict[str, Any]:
        meta = dict(a.metadata)
        if a.agent_id:
            meta["agent_id"] = a.agent_id
        res = await self.engine.store(self.scope, a.content, content_type=a.content_type, tier=a.memory_tier,
                                      tags=a.tags, metadata=meta, ttl_seconds=a.ttl_seconds, actor=self.actor)
        m = res.memory
        return {"id": m.id, "content": m.content, "memory_tier": m.tier.value, "created_at": _iso(m.created_at)}

    async def _memory_search(self, a: SearchArgs) -> dict[str, Any]:
        f = self._filter(tiers=[a.memory_tier] if a.memory_tier else None, tags=a.tags, content_type=a.content_type)
        hits = await self.engine.search(a.query, f, top_k=a.top_k, min_similarity=a.min_similarity)
        results = [{"id": h.memory.id, "content": h.memory.content, "similarity": h.score,
                    "memory_tier": h.memory.tier.value, "tags": h.memory.tags,
                    "created_at": _iso(h.memory.created_at)} for h in hits]
        return {"results": results, "total": len(results)}

    async def _memory_get(self, a: GetArgs) -> dict[str, Any]:
        m = await self._owned(a.id)
        return {"id": m.id, "content": m.content, "content_type": m.content_type.value,
                "memory_tier": m.tier.value, "tags": m.tags, "metadata": m.metadata,
                "created_at": _iso(m.created_at), "updated_at": _iso(m.updated_at), "expires_at": _iso(m.expires_at)}

    async def _memory_update(self, a: UpdateArgs) -> dict[str, Any]:
        await self._owned(a.id)
        m = await self.engine.update(a.id, content=a.content, tags=a.tags, metadata=a.metadata, tier=a.memory_tier,
                                     tenant=self.scope.tenant, actor=self.actor)
        return {"id": m.id, "updated": True, "updated_at": _iso(m.updated_at)}

    async def _memory_delete(self, a: DeleteArgs) -> dict[str, Any]:
        ids = ([a.id] if a.id else []) + list(a.ids or [])
        if not ids and a.memory_tier is None and a.older_than is None:
            raise ValidationError("give id, ids, memory_tier or older_than", field="id")
        f = self._filter(ids=ids or None, tiers=[a.memory_tier] if a.memory_tier else None,
                         created_before=a.older_than)
        deleted = await self.engine.delete(f, actor=self.actor)
        return {"deleted_count": len(deleted), "deleted_ids": deleted}

    async def _memory_list(self, a: ListArgs) -> dict[str, Any]:
        f = self._filter(tiers=[a.memory_tier] if a.memory_tier else None, tags=a.tags, content_type=a.content_type,
                         created_after=a.created_after, created_before=a.created_before)
        page = await self.engine.list(f, limit=a.limit, offset=a.offset)
        return {"memories": [{"id": m.id, "content": m.content, "content_type": m.content_type.value,
                              "memory_tier": m.tier.value, "tags": m.tags, "created_at": _iso(m.created_at)}
                             for m in page.memories],
                "total": page.total, "limit": page.limit, "offset": page.offset}
