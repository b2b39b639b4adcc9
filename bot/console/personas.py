"""The overview: every cube the key may see, with its persona, counts by tier, users and top emotions."""

from __future__ import annotations

from aiohttp import web

from bot.api.state import STATE
from bot.console.render import WHO, render
from bot.console.scope import visible_cubes


async def overview(request: web.Request) -> web.Response:
    st = request.config_dict[STATE]
    names = {p.cube: p.display_name for p in st.services.personas.all()}
    ids = {p.cube: p.memory_id for p in st.services.personas.all()}
    rows = []
    for tenant, cube in await visible_cubes(request, request[WHO]):
        stats = await st.engine.stats(tenant, cube)
        rows.append({"tenant": tenant, "cube": cube, "persona": names.get(cube, ""),
                     "memory_id": ids.get(cube, ""), "stats": stats})
    return render(request, "personas.html", {"rows": rows})
