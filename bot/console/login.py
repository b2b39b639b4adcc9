"""Log in by pasting an API key (the cookie then names the key's id, signed), and log out."""

from __future__ import annotations

import secrets

from aiohttp import web

from bot.api.errors import ApiError
from bot.api.state import STATE
from bot.console.pipeline import SESSION_COOKIE, set_cookie
from bot.console.render import SID, SIGNER, render, see_other

LOGIN_COOKIE = "omoide_login"  # the double-submit half of the login form's CSRF token
KEY_MAX = 256


def _next(value: str | None) -> str:
    """Only a console path: a login link must not send the browser elsewhere."""
    if value and value.startswith("/console") and not value.startswith("//"):
        return value
    return "/console"


def _form(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(16)
    resp = render(request, "login.html", {"login_csrf": request.config_dict[SIGNER].csrf(f"login|{nonce}"),
                                          "next": _next(request.query.get("next")), "error": error}, status=status)
    set_cookie(request, resp, LOGIN_COOKIE, nonce, max_age=3600, path="/console/login")
    return resp


async def login_page(request: web.Request) -> web.Response:
    return _form(request)


async def login(request: web.Request) -> web.Response:
    st = request.config_dict[STATE]
    signer = request.config_dict[SIGNER]
    form = await request.post()
    given = form.get("csrf")
    if not signer.csrf_ok(f"login|{request.cookies.get(LOGIN_COOKIE, '')}", given if isinstance(given, str) else None):
        raise ApiError(403, "Forbidden", "the login form's CSRF token is missing or wrong; reload the page",
                       field="csrf")
    wait = await st.limiter.check(f"ip:{request.remote}")  # the API's per-address limit: no key guessing at speed
    if wait:
        raise ApiError(429, "RateLimitExceeded", f"too many attempts; retry after {wait} s",
                       headers={"Retry-After": str(wait)})
    key = form.get("key")
    key = key.strip() if isinstance(key, str) else ""
    if not key or len(key) > KEY_MAX:
        return _form(request, error="key: paste an API key (omo_...)", status=400)
    try:
        who = await st.access.resolve(key, None)
    except ApiError as exc:
        return _form(request, error=exc.message, status=exc.status)
    key_id = who.id.removeprefix("key:")
    wanted = form.get("next")
    resp = see_other(_next(wanted if isinstance(wanted, str) else None))
    set_cookie(request, resp, SESSION_COOKIE, signer.session(key_id), max_age=int(signer.session_life.total_seconds()))
    resp.del_cookie(LOGIN_COOKIE, path="/console/login")
    return resp


async def logout(request: web.Request) -> web.Response:
    request.config_dict[SIGNER].end_session(request[SID])
    resp = see_other("/console/login")
    resp.del_cookie(SESSION_COOKIE, path="/console")
    return resp
