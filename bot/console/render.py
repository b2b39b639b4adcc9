"""Rendering a page: the template's shared context (language, words, the signed-in key, its CSRF token)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from bot.api.auth.principal import Principal
from bot.api.state import STATE
from bot.console.i18n import emotion_name, pick, translator
from bot.console.tokens import ConsoleSigner

SIGNER = web.AppKey("console_signer", ConsoleSigner)
WHO = web.RequestKey("console_principal", Principal)
SID = web.RequestKey("console_sid", str)
LANG = web.RequestKey("console_lang", str)


def lang_of(request: web.Request) -> str:
    if LANG not in request:
        request[LANG] = pick(request, request.config_dict[STATE].settings.default_locale)
    return request[LANG]


def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def shown_time(value: datetime | None) -> str:
    """UTC text in the page; the script rewrites it into the viewer's time zone."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def with_lang(request: web.Request, lang: str) -> str:
    query = {k: v for k, v in request.query.items() if k != "lang"}
    return f"{request.path}?{urlencode({**query, 'lang': lang})}"


def render(request: web.Request, template: str, context: Mapping[str, Any], *, status: int = 200) -> web.Response:
    lang = lang_of(request)
    signer = request.config_dict[SIGNER]
    sid = request.get(SID)
    base = {"lang": lang, "t": translator(lang), "emotion": lambda key: emotion_name(lang, key),
            "iso": iso, "shown_time": shown_time, "who": request.get(WHO),
            "csrf": signer.csrf(sid) if sid else "",
            "other_lang_url": with_lang(request, "en" if lang == "ja" else "ja")}
    return aiohttp_jinja2.render_template(template, request, {**base, **context}, status=status)


def see_other(location: str) -> web.Response:
    """A redirect after a form (303: the browser follows with GET)."""
    return web.Response(status=303, headers={"Location": location})
