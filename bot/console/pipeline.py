"""Every console request: security headers (CSP without inline script), the language cookie, the login
session, CSRF on writes, and errors as pages (not the API's JSON).

Pages under /console/login, /console/privacy and /console/static need no session: the privacy page is
opened by its signed link, the login form by its double-submit token.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web

from bot.api.auth.principal import Principal
from bot.api.errors import ApiError, forbidden, from_engine
from bot.api.state import STATE
from bot.console.i18n import LANG_COOKIE, LANGS
from bot.console.render import SID, SIGNER, WHO, lang_of, render, see_other
from memory.clock import utcnow
from memory.errors import OmoideError

log = logging.getLogger("omoide.console")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SESSION_COOKIE = "omoide_console"
OPEN_PREFIXES = ("/console/login", "/console/privacy/", "/console/static/")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY", "Cache-Control": "no-store"}


class NeedLogin(Exception):
    """No valid session: a page redirects to the login form, a write answers 401."""


def is_tls(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def set_cookie(request: web.Request, resp: web.StreamResponse, name: str, value: str, *, max_age: int,
               path: str = "/console") -> None:
    resp.set_cookie(name, value, max_age=max_age, path=path, httponly=True, samesite="Strict", secure=is_tls(request))


async def signed_in(request: web.Request) -> Principal:
    """The principal of the session cookie: the API key it names, if that key is still usable."""
    st = request.config_dict[STATE]
    claims = request.config_dict[SIGNER].read_session(request.cookies.get(SESSION_COOKIE, ""))
    if claims is None:
        raise NeedLogin
    info = await st.access.key_by_id(claims.key_id)  # one DB read per key every few seconds, not per page
    if info is None or not info.usable(utcnow()):
        raise NeedLogin
    request[SID] = claims.sid
    return Principal.of_key(info)


async def check_csrf(request: web.Request, bound: str) -> None:
    form = await request.post()
    given = request.headers.get("X-CSRF-Token") or form.get("csrf")
    if not request.config_dict[SIGNER].csrf_ok(bound, given if isinstance(given, str) else None):
        raise ApiError(403, "Forbidden", "the form's CSRF token is missing or wrong; reload the page and try again",
                       field="csrf")


@web.middleware
async def console_pipeline(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        if not request.path.startswith(OPEN_PREFIXES):
            who = request[WHO] = await signed_in(request)
            if request.method == "POST":
                await check_csrf(request, request[SID])
                if who.read_only and request.path != "/console/logout":
                    raise forbidden("this API key is read-only; it may browse, not change or delete")
        resp = await handler(request)
    except NeedLogin:
        resp = (see_other(f"/console/login?next={quote(request.path_qs, safe='')}") if request.method == "GET"
                else error_page(request, ApiError(401, "Unauthorized", "log in first")))
    except ApiError as exc:
        resp = error_page(request, exc)
    except OmoideError as exc:
        resp = error_page(request, from_engine(exc))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        resp = error_page(request, ApiError(exc.status, "HTTPError", exc.reason))
    if not resp.prepared:  # a download streams: it set its headers itself (security_headers)
        security_headers(resp)
    if request.query.get("lang") in LANGS and not resp.prepared:
        set_cookie(request, resp, LANG_COOKIE, request.query["lang"], max_age=365 * 86400)
    return resp


def security_headers(resp: web.StreamResponse) -> None:
    for name, value in HEADERS.items():
        resp.headers.setdefault(name, value)


def error_page(request: web.Request, exc: ApiError) -> web.Response:
    lang_of(request)
    return render(request, "error.html", {"status": exc.status, "message": exc.message, "field": exc.field},
                  status=exc.status)
