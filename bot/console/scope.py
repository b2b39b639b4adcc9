"""What a signed-in key may reach, asked of the API's own checks (bot.api.auth): no second permission model."""

from __future__ import annotations

from aiohttp import web

from bot.api.auth.principal import Principal
from bot.api.errors import ApiError, not_found
from bot.api.state import STATE
from bot.api.tables import AuditRow
from memory.clock import utcnow
from memory.types import Memory


async def visible_cubes(request: web.Request, who: Principal) -> list[tuple[str, str]]:
    """(tenant, cube) pairs this key may read, sorted."""
    st = request.config_dict[STATE]
    tenants = await st.access.tenants_of(who)
    return sorted((t, c) for t, c in await st.engine.cubes()
                  if (tenants is None or t in tenants) and who.cube_allowed(c))


async def require_cube(request: web.Request, who: Principal, tenant: str, cube: str) -> None:
    st = request.config_dict[STATE]
    await st.access.require_tenant(who, tenant)
    st.access.require_cube(who, cube)


async def reachable_memory(request: web.Request, who: Principal, memory_id: str) -> Memory:
    """The memory, or 404 when it is missing or outside the key's scope (its existence is not told)."""
    memory = await request.config_dict[STATE].engine.get(memory_id)
    try:
        await require_cube(request, who, memory.scope.tenant, memory.scope.cube)
    except ApiError:
        raise not_found(f"memory {memory_id}", field="id") from None
    return memory


async def audit(request: web.Request, actor: str, tenant: str | None, target: str, status: int = 200) -> None:
    """A console write in the API's audit log: who (key id or privacy link), what, never a secret."""
    parts = request.path.split("/")
    if len(parts) > 3 and parts[2] == "privacy":
        parts[3] = "{link}"  # the link is a credential: never in the log
    async with request.config_dict[STATE].store.sessions.begin() as s:
        s.add(AuditRow(at=utcnow(), actor=actor[:128], method=request.method, path="/".join(parts)[:512],
                       status=status, tenant=tenant, target=target[:2000],
                       client_ip=request.remote[:64] if request.remote else None))
