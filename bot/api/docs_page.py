"""/docs: a self-contained page (no CDN, works offline) that renders /openapi.json, with "try it".

The page runs no inline code (its script and style are /docs/docs.js and /docs/docs.css, under a
Content-Security-Policy that allows only this origin), so a key pasted into it is sent nowhere but here:
it is kept in the tab's sessionStorage, never in a cookie or on disk.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).resolve().parent / "docs_static"
ASSETS = {"docs.js": "text/javascript", "docs.css": "text/css"}
ASSET_PATHS = frozenset(f"/docs/{name}" for name in ASSETS)
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-cache"}


async def docs_page(request: web.Request) -> web.Response:
    return web.Response(text=(STATIC / "docs.html").read_text(encoding="utf-8"), content_type="text/html",
                        charset="utf-8", headers=HEADERS)


async def docs_asset(request: web.Request) -> web.Response:
    name = request.path.rsplit("/", 1)[-1]
    return web.Response(text=(STATIC / name).read_text(encoding="utf-8"), content_type=ASSETS[name],
                        charset="utf-8", headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"})


def add_docs_routes(app: web.Application) -> None:
    app.router.add_get("/docs", docs_page)
    for path in sorted(ASSET_PATHS):
        app.router.add_get(path, docs_asset)
