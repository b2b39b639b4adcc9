"""The memory browser of one cube: list or search (the engine's own, with its scores), filters, pages,
a memory's detail with its history, edit, delete, and bulk delete of a selection."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from bot.api.errors import ApiError
from bot.api.state import STATE
from bot.console.filters import PAGE_SIZE, Browse, parse_browse
from bot.console.render import WHO, render, see_other
from bot.console.scope import audit, reachable_memory, require_cube
from memory.emotions.labels import EMOTIONS
from memory.engine import MemoryEngine
from memory.errors import NotFoundError
from memory.types import ContentType, Memory, MemoryFilter, Page, Tier

IDS_MAX = 500


def cube_url(tenant: str, cube: str) -> str:
    return f"/console/cube/{tenant}/{cube}"


async def browse(request: web.Request) -> web.Response:
    tenant, cube = request.match_info["tenant"], request.match_info["cube"]
    who = request[WHO]
    await require_cube(request, who, tenant, cube)
    engine = request.config_dict[STATE].engine
    view = parse_browse(request.query)
    f = view.memory_filter(tenant, cube)
    first = (view.page - 1) * PAGE_SIZE
    scores: dict[str, float] = {}
    cursor_gone = False  # a list page whose link's memory was deleted since (found by its number instead)
    if view.searching:
        hits = await engine.search(view.q, f, top_k=view.search_top_k)
        memories = [h.memory for h in hits[first:first + PAGE_SIZE]]
        scores = {h.memory.id: h.score for h in hits}
        total = None
        has_next = len(hits) == view.search_top_k and view.search_top_k < 1000
    else:
        page, cursor_gone = await _list_page(engine, f, view, first)
        memories, total = page.memories, page.total
        has_next = first + len(memories) < total
    persona = next((p.display_name for p in request.config_dict[STATE].services.personas.all() if p.cube == cube), cube)
    context: dict[str, Any] = {
        "tenant": tenant, "cube": cube, "persona": persona, "base": cube_url(tenant, cube), "view": view,
        "memories": memories,
        "scores": scores, "total": total, "first": first + 1, "last": first + len(memories), "has_next": has_next,
        "tiers": [t.value for t in Tier], "emotions": EMOTIONS, "types": [c.value for c in ContentType],
        "deleted": request.query.get("deleted", ""), "here": request.path_qs, "cursor_gone": cursor_gone,
        "prev_query": _neighbour(view, memories, -1), "next_query": _neighbour(view, memories, 1),
    }
    return render(request, "memories.html", context)


async def _list_page(engine: MemoryEngine, f: MemoryFilter, view: Browse, first: int) -> tuple[Page, bool]:
    """A page link seeks from the memory id it carries; an address typed by hand uses OFFSET. When that memory
    was deleted since (the seek has no row to start from), the page is found by its number instead: going
    forward one row fewer precedes it (the deleted one). True when that happened, so the page can say so."""
    if not (view.after or view.before):
        return await engine.list(f, limit=PAGE_SIZE, offset=first), False
    cursor = view.after or view.before
    page = await engine.list(f, limit=PAGE_SIZE, after=view.after or None,
                             before=None if view.after else view.before or None)
    if page.memories or await _exists(engine, cursor, f.tenant):
        return page, False
    offset = max(first - 1, 0) if view.after else first
    return await engine.list(f, limit=PAGE_SIZE, offset=offset), True


async def _exists(engine: MemoryEngine, memory_id: str, tenant: str | None) -> bool:
    try:
        await engine.get(memory_id, tenant=tenant)
    except NotFoundError:
        return False
    return True


def _neighbour(view: Browse, memories: list[Memory], step: int) -> str:
    """The query string of the page before (-1) or after (1) this one: a list chains by memory id."""
    page = view.page + step
    if view.searching or not memories or page == 1:
        return view.query(page=page, after="", before="")
    if step > 0:
        return view.query(page=page, after=memories[-1].id, before="")
    return view.query(page=page, after="", before=memories[0].id)


async def detail(request: web.Request) -> web.Response:
    who = request[WHO]
    memory = await reachable_memory(request, who, request.match_info["id"])
    history = await request.config_dict[STATE].engine.history(memory.id)
    return render(request, "memory.html", {"m": memory, "history": history, "saved": "saved" in request.query,
                                           "base": cube_url(memory.scope.tenant, memory.scope.cube),
                                           "tiers": [t.value for t in Tier]})


def _importance(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise ApiError(400, "ValidationError", "importance: a number from 0 to 1", field="importance")
    return number


async def edit(request: web.Request) -> web.Response:
    """Only what changed is sent to the engine: a new content re-embeds, the rest does not."""
    who = request[WHO]
    memory = await reachable_memory(request, who, request.match_info["id"])
    form = await request.post()
    content, tags, tier = str(form.get("content", "")), str(form.get("tags", "")), str(form.get("tier", ""))
    new_tags = [t.strip() for t in tags.split(",") if t.strip()]
    changes: dict[str, Any] = {}
    if content.strip() and content.replace("\r\n", "\n") != memory.content:
        changes["content"] = content.replace("\r\n", "\n")
    if new_tags != memory.tags:
        changes["tags"] = new_tags
    if tier and tier != memory.tier.value:
        changes["tier"] = tier
    importance = _importance(str(form.get("importance", memory.importance)))
    if abs(importance - memory.importance) > 1e-9:
        changes["importance"] = importance
    if changes:
        await request.config_dict[STATE].engine.update(memory.id, tenant=memory.scope.tenant,
                                                       actor=f"console:{who.id}", **changes)
        await audit(request, who.id, memory.scope.tenant, memory.id)
    return see_other(f"/console/memory/{memory.id}?saved=1")


async def delete_one(request: web.Request) -> web.Response:
    who = request[WHO]
    memory = await reachable_memory(request, who, request.match_info["id"])
    deleted = await request.config_dict[STATE].engine.delete(
        MemoryFilter(ids=[memory.id], tenant=memory.scope.tenant, cube=memory.scope.cube), actor=f"console:{who.id}")
    await audit(request, who.id, memory.scope.tenant, memory.id)
    return see_other(f"{cube_url(memory.scope.tenant, memory.scope.cube)}?deleted={len(deleted)}")


async def delete_selected(request: web.Request) -> web.Response:
    """Bulk delete: the filter names the cube, so ids of other cubes in the form delete nothing."""
    tenant, cube = request.match_info["tenant"], request.match_info["cube"]
    who = request[WHO]
    await require_cube(request, who, tenant, cube)
    form = await request.post()
    ids = [str(v) for v in form.getall("ids", [])]
    if not ids:
        raise ApiError(400, "ValidationError", "ids: select at least one memory", field="ids")
    if len(ids) > IDS_MAX:
        raise ApiError(400, "ValidationError", f"ids: at most {IDS_MAX} at once", field="ids")
    deleted = await request.config_dict[STATE].engine.delete(MemoryFilter(ids=ids, tenant=tenant, cube=cube),
                                                             actor=f"console:{who.id}")
    await audit(request, who.id, tenant, ",".join(deleted))
    back = str(form.get("back", ""))
    query = back.partition("?")[2] if back.startswith(cube_url(tenant, cube)) else ""
    kept = [(k, v) for k, v in parse_qsl(query) if k != "deleted"]
    return see_other(f"{cube_url(tenant, cube)}?{urlencode([*kept, ('deleted', str(len(deleted)))])}")
