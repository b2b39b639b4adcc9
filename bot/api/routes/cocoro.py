"""CocoroCore2 (seed 001): list characters, a character's memory stats, delete a character's memories.

MemOS counts three memory types; Omoide has tiers. The honest mapping (docs/api.md):
text = long_term + short_term (textual memories), activation = working (the active session's context,
the closest thing to MemOS's KV-cache activations), parametric = 0 (Omoide never trains weights).
"""

from __future__ import annotations

from aiohttp import web

from bot.api.auth.principal import persona_cube, persona_of_cube
from bot.api.errors import not_found
from bot.api.registry import Api
from bot.api.schemas.cocoro import (
    CharacterListResponse,
    CharacterMemoryDeleteResponse,
    CharacterMemoryInfo,
    CharacterMemoryStatsResponse,
    MemoryDeleteDetails,
)
from bot.api.state import audit, principal, state
from memory.types import CubeStats, MemoryFilter, Tier

TAG = "CocoroCore2"


def persona_names(request: web.Request) -> dict[str, str]:
    """memory_id -> display name of the personas in config/personas (the bot's registry)."""
    return {p.memory_id: p.display_name for p in state(request).services.personas.all()}


def _counts(stats: CubeStats) -> MemoryDeleteDetails:
    t = stats.by_tier
    return MemoryDeleteDetails(text_memories=t.get(Tier.LONG_TERM.value, 0) + t.get(Tier.SHORT_TERM.value, 0),
                               activation_memories=t.get(Tier.WORKING.value, 0), parametric_memories=0)


async def _cube(request: web.Request) -> tuple[str, str, str]:
    """(tenant, memory_id, cube) after the scope checks; 404 when the character is unknown."""
    st, who = state(request), principal(request)
    memory_id = request.match_info["memory_id"]
    tenant = st.access.default_tenant(who, request)
    await st.access.require_tenant(who, tenant)
    cube = persona_cube(memory_id)
    st.access.require_cube(who, cube)
    if (tenant, cube) not in set(await st.engine.cubes()) and memory_id not in persona_names(request):
        raise not_found(f"character {memory_id!r}", field="memory_id")
    return tenant, memory_id, cube


async def characters(request: web.Request) -> CharacterListResponse:
    st, who = state(request), principal(request)
    tenant = st.access.default_tenant(who, request)
    await st.access.require_tenant(who, tenant)
    names = persona_names(request)
    existing = {mid for t, c in await st.engine.cubes() if t == tenant and (mid := persona_of_cube(c))}
    data = [CharacterMemoryInfo(memory_id=mid, memory_name=names.get(mid, mid.capitalize()), created=mid in existing)
            for mid in sorted(existing | set(names)) if mid and who.cube_allowed(persona_cube(mid))]
    return CharacterListResponse(data=data)


async def stats(request: web.Request) -> CharacterMemoryStatsResponse:
    st = state(request)
    tenant, memory_id, cube = await _cube(request)
    s = await st.engine.stats(tenant, cube)
    c = _counts(s)
    return CharacterMemoryStatsResponse(memory_id=memory_id, total_memories=s.total, text_memories=c.text_memories,
                                        activation_memories=c.activation_memories, parametric_memories=0,
                                        last_updated=s.newest, cube_id=cube)


async def delete_all(request: web.Request) -> CharacterMemoryDeleteResponse:
    st = state(request)
    tenant, memory_id, cube = await _cube(request)
    before = _counts(await st.engine.stats(tenant, cube))
    deleted = await st.engine.delete(MemoryFilter(tenant=tenant, cube=cube), actor=principal(request).id)
    audit(request, tenant=tenant, target=f"cube {cube}: {len(deleted)} memories")
    if before.text_memories + before.activation_memories != len(deleted):  # expired rows are deleted too
        before.text_memories = max(0, len(deleted) - before.activation_memories)
    return CharacterMemoryDeleteResponse(deleted_count=len(deleted), details=before)


def setup(app: web.Application) -> None:
    api = Api(app)
    api.add("GET", "/api/memory/characters", characters, summary="List characters (persona cubes)", tag=TAG,
            response=CharacterListResponse)
    api.add("GET", "/api/memory/character/{memory_id}/stats", stats, summary="A character's memory counts",
            tag=TAG, response=CharacterMemoryStatsResponse)
    api.add("DELETE", "/api/memory/character/{memory_id}/all", delete_all, summary="Delete a character's memories",
            tag=TAG, response=CharacterMemoryDeleteResponse)
