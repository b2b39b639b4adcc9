"""Memory Tools (seed 003): six tools as JSON-schema function definitions and POST /v1/tools/{name}.

They work in the caller's tenant (X-Tenant-ID, the key's tenant or API_DEFAULT_TENANT), default cube;
`agent_id` is kept as the memory's user_id. The tools themselves (parameters, results, what they do) are
defined once in bot.memory_tools; errors use the unified body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from bot.api.convert import DEFAULT_CUBE
from bot.api.errors import ApiError
from bot.api.registry import Api
from bot.api.schemas.tools import ToolDef, ToolList
from bot.api.state import audit, principal, state
from bot.memory_tools.catalog import TOOLS, function_definitions
from bot.memory_tools.models import DeleteResult, StoreResult, UpdateResult
from bot.memory_tools.toolbox import MemoryToolbox, ToolScope

TAG = "Memory Tools"


async def _toolbox(request: web.Request, *, claim: bool = False) -> MemoryToolbox:
    """The caller's toolbox after the access checks; `claim`: this call writes (the first write owns a tenant)."""
    st, who = state(request), principal(request)
    tenant = st.access.default_tenant(who, request)
    await st.access.require_tenant(who, tenant, claim=claim)
    st.access.require_cube(who, DEFAULT_CUBE)
    return MemoryToolbox(st.engine, ToolScope(tenant, DEFAULT_CUBE), actor=who.id)


def _handler(name: str) -> Callable[..., Awaitable[Any]]:
    async def handle(request: web.Request, body: BaseModel) -> BaseModel:
        box = await _toolbox(request, claim=name == "memory_store")
        result = await box.call(name, body)
        if isinstance(result, StoreResult | UpdateResult):
            audit(request, tenant=box.scope.tenant, target=result.id)
        elif isinstance(result, DeleteResult):
            audit(request, tenant=box.scope.tenant, target=",".join(result.deleted_ids))
        return result

    handle.__name__ = name
    return handle


async def list_tools(request: web.Request) -> ToolList:
    """The six tools in OpenAI function-calling form (a read-only key: search, get and list only)."""
    writes = not principal(request).read_only
    return ToolList(tools=[ToolDef.model_validate(d) for d in function_definitions(writes=writes)])


async def unknown_tool(request: web.Request) -> web.Response:
    raise ApiError(404, "NotFoundError", f"no tool named {request.match_info['name']!r}; tools: {', '.join(TOOLS)}",
                   field="name")


def setup(app: web.Application) -> None:
    api = Api(app)
    api.add("GET", "/v1/tools", list_tools, summary="The six memory tools as function definitions", tag=TAG,
            response=ToolList)
    for spec in TOOLS.values():
        api.add("POST", f"/v1/tools/{spec.name}", _handler(spec.name), summary=(spec.params.__doc__ or "").strip(),
                tag=TAG, body=spec.params, response=spec.result, audit=spec.writes,
                errors=(404,) if "id" in spec.params.model_fields else (), description=spec.description)
    api.add("POST", "/v1/tools/{name}", unknown_tool, summary="Unknown tool names", tag=TAG, spec=False)
