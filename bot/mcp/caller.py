"""Who is calling over MCP and where their calls act: the key's principal and a tool scope.

The scope is chosen once per connection (stdio flags, HTTP headers) and checked against the key the same
way the HTTP tools routes check it: the tenant must be one the key may use, the cube one of its personas.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.api.auth.principal import Access, Principal, persona_cube, persona_of_cube
from bot.api.convert import DEFAULT_CUBE
from bot.memory_tools.toolbox import MemoryToolbox, ToolScope
from bot.store import BotStore
from memory.engine import MemoryEngine
from memory.errors import ValidationError

IDENTIFIER = re.compile(r"[^\x00-\x1f\x7f]{1,128}")


@dataclass(frozen=True)
class Caller:
    principal: Principal
    scope: ToolScope
    engine: MemoryEngine
    store: BotStore  # where its writes are audited
    client_ip: str | None = None

    @property
    def may_write(self) -> bool:
        return not self.principal.read_only

    def toolbox(self, scope: ToolScope | None = None) -> MemoryToolbox:
        return MemoryToolbox(self.engine, scope or self.scope, actor=self.principal.id, writes=self.may_write)


def cube_for(persona: str | None, who: Principal) -> str:
    """A persona's memory_id means its cube; a cube name is taken as is; none: the key's only persona,
    else the default cube (where the HTTP tools routes work)."""
    if not persona and who.personas is not None and len(who.personas) == 1:
        persona = next(iter(who.personas))
    if not persona:
        return DEFAULT_CUBE
    return persona if persona == DEFAULT_CUBE or persona_of_cube(persona) else persona_cube(persona)


async def scope_for(access: Access, who: Principal, *, tenant: str | None = None, persona: str | None = None,
                    user: str | None = None) -> ToolScope:
    """The scope a connection asked for, if this key may use it (ApiError 403 if not)."""
    for name, value in (("tenant", tenant), ("persona", persona), ("user", user)):
        if value is not None and not IDENTIFIER.fullmatch(value):
            raise ValidationError(f"{name}: 1-128 characters, no control characters", field=name)
    if not tenant:
        tenant = sorted(who.tenants)[0] if who.tenants else access.default_tenant_name
    await access.require_tenant(who, tenant)
    cube = cube_for(persona, who)
    access.require_cube(who, cube)
    return ToolScope(tenant, cube, user or None)
