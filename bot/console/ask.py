"""/console/privacy/ask: a livestream viewer's way to their privacy page (bot.livestream.codes).

The page shows a one-time code and keeps a nonce in this browser's cookie; it reloads itself every few
seconds, and once the viewer's `mydata CODE` has arrived in the stream's chat it sends this browser (and only
this one) on to that viewer's signed privacy link.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.api.errors import ApiError
from bot.api.state import STATE
from bot.console.pipeline import is_tls
from bot.console.render import SIGNER, render, see_other
from bot.livestream.codes import CHAT_CODES

log = logging.getLogger("omoide.console")
ASK_COOKIE = "omoide_ask"
ASK_PATH = "/console/privacy/ask"
REFRESH_SECONDS = 5


async def ask(request: web.Request) -> web.Response:
    codes = request.config_dict[CHAT_CODES]
    pending = codes.of_nonce(request.cookies.get(ASK_COOKIE, ""))
    if pending is not None and pending.user_id is not None:
        codes.done(pending)
        token = request.config_dict[SIGNER].privacy_token(pending.user_id, pending.tenant)
        log.info("privacy link handed to the browser of livestream viewer %s", pending.user_id)
        resp = see_other(f"/console/privacy/{token}")
        resp.del_cookie(ASK_COOKIE, path=ASK_PATH)
        return resp
    if pending is None:
        wait = await request.config_dict[STATE].limiter.check(f"ip:{request.remote}")
        if wait:
            raise ApiError(429, "RateLimitExceeded", f"too many codes asked; retry after {wait} s",
                           headers={"Retry-After": str(wait)})
        try:
            pending = codes.new()
        except OverflowError as exc:
            raise ApiError(503, "Unavailable", str(exc)) from None
    resp = render(request, "privacy_ask.html", {"code": pending.code, "until": pending.expires,
                                                "refresh": REFRESH_SECONDS})
    # Lax, not Strict: a viewer arrives from a link on the stream's page (another site), and this cookie
    # only lets this browser pick up its own link
    resp.set_cookie(ASK_COOKIE, pending.nonce, max_age=int(codes.life.total_seconds()), path=ASK_PATH,
                    httponly=True, samesite="Lax", secure=is_tls(request))
    return resp
