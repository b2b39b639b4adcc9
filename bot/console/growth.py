"""How a persona's memory grew: memories kept per day or week, and the running total, for a cube or one user.
Counted in SQL by the engine (MemoryEngine.growth, one GROUP BY), drawn by the vendored uPlot like the
emotion chart, with the same numbers in a table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any

from aiohttp import web

from bot.api.errors import ApiError
from bot.api.state import STATE
from bot.console.charts import chart_scope
from bot.console.memories import cube_url
from bot.console.render import render
from bot.console.users import persona_name
from memory.growth import per_week

STEPS = ("day", "week")
FILL_MAX = 3660  # periods: a longer span is drawn from its non-empty periods only


def with_gaps(rows: list[tuple[date, int]], step: timedelta) -> list[tuple[date, int]]:
    """The empty days (weeks) between the first and the last, as zeros: a line must not bridge a quiet month."""
    if not rows or (rows[-1][0] - rows[0][0]) / step > FILL_MAX:
        return rows
    counts = dict(rows)
    span = int((rows[-1][0] - rows[0][0]) / step)
    return [(day, counts.get(day, 0)) for day in (rows[0][0] + i * step for i in range(span + 1))]


def _epoch(day: date) -> int:
    return int(datetime.combine(day, datetime.min.time(), UTC).timestamp())


async def growth(request: web.Request) -> web.Response:
    tenant, cube, user = await chart_scope(request)
    step = request.query.get("by", "day")
    if step not in STEPS:
        raise ApiError(400, "ValidationError", f"by: one of {', '.join(STEPS)} (got {step[:40]!r})", field="by")
    days = await request.config_dict[STATE].engine.growth(tenant, cube, user or None)
    rows = with_gaps(per_week(days), timedelta(weeks=1)) if step == "week" else with_gaps(days, timedelta(days=1))
    totals = list(accumulate(n for _d, n in rows))
    chart: dict[str, Any] = {"x": [_epoch(d) for d, _n in rows], "added": [n for _d, n in rows], "total": totals}
    return render(request, "growth.html", {
        "tenant": tenant, "cube": cube, "persona": persona_name(request, cube), "base": cube_url(tenant, cube),
        "user": user, "by": step, "steps": STEPS, "chart": chart, "rows": list(zip(rows, totals, strict=True))})
