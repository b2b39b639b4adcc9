"""Memory Tools (seed 003): six tools as JSON-schema function definitions and POST /v1/tools/{name}.

They work in the caller's tenant (X-Tenant-ID, the key's tenant or API_DEFAULT_TENANT), default cube;
`agent_id` is kept as the memory's user_id. Errors use the unified body.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from bot.api.convert import DEFAULT_CUBE
from bot.api.errors import ApiError, not_found
from bot.api.registry import Api
from bot.api.schemas.tools import (
    DeleteParams,
    DeleteResult,
    FunctionDef,
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
    ToolDef,
    ToolList,
    UpdateParams,
    UpdateResult,
)
from bot.api.state import audit, principal, state
from memory.types import Memory, MemoryFilter, Scope

TAG = "Memory Tools"


async def _tenant(request: web.Request) -> str:
    st, who = state(request), principal(request)
    tenant = st.access.default_tenant(who, request)
    await st.access.require_tenant(who, tenant)
    st.access.require_cube(who, DEFAULT_CUBE)
    return tenant


async def _own(request: web.Request, memory_id: str, tenant: str) -> Memory:
    m = await state(request).engine.get(memory_id, tenant=tenant)
    if m.scope.cube != DEFAULT_CUBE:
        raise not_found(f"memory {memory_id}", field="id")
    return m


async def memory_store(request: web.Request, body: StoreParams) -> StoreResult:
    st, tenant = state(request), await _tenant(request)
    res = await st.engine.store(Scope(tenant, DEFAULT_CUBE, body.agent_id), body.content,
                                content_type=body.content_type, tier=body.memory_tier, tags=body.tags,
                                metadata=body.metadata, ttl_seconds=body.ttl_seconds, actor=principal(request).id)
    m = res.memory
    audit(request, tenant=tenant, target=m.id)
    return StoreResult(id=m.id, content=m.content, memory_tier=m.tier.value, created_at=m.created_at)


async def memory_search(request: web.Request, body: SearchParams) -> SearchResult:
    st, tenant = state(request), await _tenant(request)
    f = MemoryFilter(tenant=tenant, cube=DEFAULT_CUBE, tiers=[body.memory_tier] if body.memory_tier else None,
                     tags=body.tags, content_type=body.content_type)
    hits = await st.engine.search(body.query, f, top_k=body.top_k, min_similarity=body.min_similarity)
    items = [SearchItem(id=h.memory.id, content=h.memory.content, similarity=h.score, memory_tier=h.memory.tier.value,
                        tags=h.memory.tags, created_at=h.memory.created_at) for h in hits]
    return SearchResult(results=items, total=len(items))


async def memory_get(request: web.Request, body: GetParams) -> GetResult:
    m = await _own(request, body.id, await _tenant(request))
    return GetResult(id=m.id, content=m.content, content_type=m.content_type.value, memory_tier=m.tier.value,
                     tags=m.tags, metadata=m.metadata, created_at=m.created_at, updated_at=m.updated_at,
                     expires_at=m.expires_at)


async def memory_update(request: web.Request, body: UpdateParams) -> UpdateResult:
    st, tenant = state(request), await _tenant(request)
    await _own(request, body.id, tenant)
    m = await st.engine.update(body.id, content=body.content, tags=body.tags, metadata=body.metadata,
                               tier=body.memory_tier, tenant=tenant, actor=principal(request).id)
    audit(request, tenant=tenant, target=m.id)
    return UpdateResult(id=m.id, updated=True, updated_at=m.updated_at)


async def memory_delete(request: web.Request, body: DeleteParams) -> DeleteResult:
    st, tenant = state(request), await _tenant(request)
    ids = ([body.id] if body.id else []) + list(body.ids or [])
    if not ids and body.memory_tier is None and body.older_than is None and body.ids is None:
        raise ApiError(422, "ValidationError", "memory_delete needs id, ids, memory_tier or older_than", field="id")
    if body.id and not body.ids and body.memory_tier is None and body.older_than is None:
        await _own(request, body.id, tenant)  # a single unknown id is a NotFoundError
    f = MemoryFilter(tenant=tenant, cube=DEFAULT_CUBE, ids=ids if (ids or body.ids is not None) else None,
                     tiers=[body.memory_tier] if body.memory_tier else None, created_before=body.older_than)
    deleted = await st.engine.delete(f, actor=principal(request).id)
    audit(request, tenant=tenant, target=",".join(deleted))
    return DeleteResult(deleted_count=len(deleted), deleted_ids=deleted)


async def memory_list(request: web.Request, body: ListParams) -> ListResult:
    st, tenant = state(request), await _tenant(request)
    f = MemoryFilter(tenant=tenant, cube=DEFAULT_CUBE, tiers=[body.memory_tier] if body.memory_tier else None,
                     tags=body.tags, content_type=body.content_type, created_after=body.created_after,
                     created_before=body.created_before)
    page = await st.engine.list(f, limit=body.limit, offset=body.offset)
    items = [ListItem(id=m.id, content=m.content, content_type=m.content_type.value, memory_tier=m.tier.value,
                      tags=m.tags, created_at=m.created_at) for m in page.memories]
    return ListResult(memories=items, total=page.total, limit=page.limit, offset=page.offset)


Tool = tuple[str, type[BaseModel], type[BaseModel], Callable[..., Awaitable[Any]], bool]
TOOLS: list[Tool] = [
    ("memory_store", StoreParams, StoreResult, memory_store, True),
    ("memory_search", SearchParams, SearchResult, memory_search, False),
    ("memory_get", GetParams, GetResult, memory_get, False),
    ("memory_update", UpdateParams, UpdateResult, memory_update, True),
    ("memory_delete", DeleteParams, DeleteResult, memory_delete, True),
    ("memory_list", ListParams, ListResult, memory_list, False),
]


def _clean(schema: Any) -> Any:
    """A JSON schema as function-calling APIs want it: no titles, no null branches for optional fields."""
    if isinstance(schema, dict):
        out = {k: _clean(v) for k, v in schema.items() if k != "title"}
        if "anyOf" in out:
            branches = [b for b in out["anyOf"] if b.get("type") != "null"]
            if len(branches) == 1:
                rest = {k: v for k, v in out.items() if k != "anyOf"}
                out = {**branches[0], **rest}
        if out.get("default", 0) is None:
            del out["default"]
        return out
    if isinstance(schema, list):
        return [_clean(v) for v in schema]
    return schema


def definitions() -> list[ToolDef]:
    """The six tools in OpenAI function-calling form (also what the chat's LLM is offered)."""
    out = []
    for name, params, _, _, _ in TOOLS:
        schema = _clean(copy.deepcopy(params.model_json_schema()))
        description = schema.pop("description", "")
        out.append(ToolDef(function=FunctionDef(name=name, description=description, parameters=schema)))
    return out


async def list_tools(request: web.Request) -> ToolList:
    return ToolList(tools=definitions())


async def unknown_tool(request: web.Request) -> web.Response:
    names = ", ".join(t[0] for t in TOOLS)
    raise ApiError(404, "NotFoundError", f"no tool named {request.match_info['name']!r}; tools: {names}",
                   field="name")


def setup(app: web.Application) -> None:
    api = Api(app)
    api.add("GET", "/v1/tools", list_tools, summary="The six memory tools as function definitions", tag=TAG,
            response=ToolList)
    for name, params, result, handler, writes in TOOLS:
        api.add("POST", f"/v1/tools/{name}", handler, summary=(params.__doc__ or name).strip(), tag=TAG,
                body=params, response=result, audit=writes, errors=(404,) if "id" in params.model_fields else ())
    api.add("POST", "/v1/tools/{name}", unknown_tool, summary="Unknown tool names", tag=TAG, spec=False)
