"""Users and livestream viewers of one cube: who, how many memories, first and last seen, top emotions, with
links to their memories and charts, and a privacy link the operator can issue for them (a livestream viewer
has no Discord DM to receive `mydata`'s)."""

from __future__ import annotations

from typing import get_args

from aiohttp import web

from bot.api.errors import ApiError, not_found
from bot.api.state import STATE
from bot.console.memories import cube_url
from bot.console.render import SIGNER, WHO, render
from bot.console.scope import audit, require_cube, visible_cubes
from bot.console.tokens import link_of
from bot.livestream.events import Platform
from memory.types import MemoryFilter

USERS_PER_PAGE = 50
PAGE_MAX = 100_000
USER_MAX = 128
PLATFORMS: tuple[str, ...] = get_args(Platform)


def persona_name(request: web.Request, cube: str) -> str:
    return next((p.display_name for p in request.config_dict[STATE].services.personas.all() if p.cube == cube), cube)


def _page(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= PAGE_MAX:
        raise ApiError(400, "ValidationError", "page: a whole number from 1", field="page")
    return int(raw)


async def users(request: web.Request) -> web.Response:
    tenant, cube = request.match_info["tenant"], request.match_info["cube"]
    await require_cube(request, request[WHO], tenant, cube)
    page = _page(request.query.get("page", "1"))
    platform = request.query.get("platform", "")
    if platform and platform not in PLATFORMS:
        raise ApiError(400, "ValidationError", f"platform: one of {', '.join(PLATFORMS)} (got {platform[:40]!r})",
                       field="platform")
    found = await request.config_dict[STATE].engine.users(tenant, cube, limit=USERS_PER_PAGE,
                                                          offset=(page - 1) * USERS_PER_PAGE,
                                                          platform=platform or None)
    first = (page - 1) * USERS_PER_PAGE
    return render(request, "users.html", {
        "tenant": tenant, "cube": cube, "persona": persona_name(request, cube), "base": cube_url(tenant, cube),
        "users": found.users, "total": found.total, "page": page, "platform": platform, "platforms": PLATFORMS,
        "first": first + 1, "last": first + len(found.users), "has_next": first + len(found.users) < found.total})


async def issue_link(request: web.Request) -> web.Response:
    """A privacy link for one user of this cube, shown once (a POST answer, never in a URL or the log).

    A key limited to some personas issues a link limited to those personas' cubes: the link's holder (the
    operator, until they hand it over) sees no more than the key does."""
    tenant, cube = request.match_info["tenant"], request.match_info["cube"]
    who = request[WHO]
    await require_cube(request, who, tenant, cube)
    form = await request.post()
    user_id = str(form.get("user_id", "")).strip()
    if not user_id or len(user_id) > USER_MAX:
        raise ApiError(400, "ValidationError", f"user_id: the user's id, 1 to {USER_MAX} characters",
                       field="user_id")
    st = request.config_dict[STATE]
    if not (await st.engine.list(MemoryFilter(tenant=tenant, cube=cube, user_id=user_id), limit=1)).total:
        raise not_found(f"user {user_id!r} in this persona", field="user_id")
    cubes = None if who.admin or who.personas is None else [c for t, c in await visible_cubes(request, who)
                                                            if t == tenant]
    signer = request.config_dict[SIGNER]
    token = signer.privacy_token(user_id, tenant, cubes=cubes)
    claims = signer.read_privacy(token)
    await audit(request, who.id, tenant, f"privacy link for {user_id}")
    return render(request, "privacy_issued.html", {
        "tenant": tenant, "cube": cube, "persona": persona_name(request, cube), "base": cube_url(tenant, cube),
        "user_id": user_id, "link": link_of(st.settings, token), "until": claims.expires,
        "minutes": st.settings.privacy_link_minutes})
