"""Emotions over time for one cube, optionally one user: counted in SQL (memory.stats.emotion_timeline),
drawn in the page by uPlot (vendored under static/vendor, MIT), with the same numbers in a table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.api.errors import ApiError
from bot.api.state import STATE
from bot.console.i18n import emotion_name
from bot.console.memories import cube_url
from bot.console.render import WHO, lang_of, render
from bot.console.scope import require_cube
from bot.console.users import USER_MAX
from memory.emotions.labels import EMOTION_COLORS


async def chart_scope(request: web.Request) -> tuple[str, str, str]:
    """(tenant, cube, user or "") of a chart page: the cube must be the caller's, `?user=` short enough."""
    tenant, cube = request.match_info["tenant"], request.match_info["cube"]
    await require_cube(request, request[WHO], tenant, cube)
    user = request.query.get("user", "").strip()
    if len(user) > USER_MAX:
        raise ApiError(400, "ValidationError", f"user: at most {USER_MAX} characters", field="user")
    return tenant, cube, user


async def emotions(request: web.Request) -> web.Response:
    tenant, cube, user = await chart_scope(request)
    timeline = await request.config_dict[STATE].engine.emotion_timeline(tenant, cube, user or None)
    lang = lang_of(request)
    names = {key: emotion_name(lang, key) for key in timeline.series}
    chart: dict[str, Any] = {
        "x": [int(datetime.combine(d, datetime.min.time(), UTC).timestamp()) for d in timeline.days],
        "series": [{"key": key, "name": names[key], "color": EMOTION_COLORS.get(key, "#888888"), "values": values}
                   for key, values in timeline.series.items()],
    }
    persona = next((p.display_name for p in request.config_dict[STATE].services.personas.all() if p.cube == cube),
                   cube)
    return render(request, "emotions.html", {"tenant": tenant, "cube": cube, "persona": persona, "user": user,
                                             "base": cube_url(tenant, cube), "chart": chart,
                                             "days": timeline.days, "names": names, "series": timeline.series})
