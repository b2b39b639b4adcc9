"""The page a user opens from `mydata`: everything kept about them, per persona, with delete buttons and a
JSONL download. The signed link is the only credential: one user, one tenant, read and delete, 30 minutes.
"""

from __future__ import annotations

from aiohttp import web

from bot.api.state import STATE
from bot.console.pipeline import check_csrf, security_headers
from bot.console.render import SIGNER, render, see_other
from bot.console.scope import audit
from bot.console.tokens import LinkError, PrivacyClaims
from memory.portability import export_user
from memory.types import MemoryFilter

SHOWN_PER_PERSONA = 200


def _claims(request: web.Request) -> PrivacyClaims | web.Response:
    try:
        return request.config_dict[SIGNER].read_privacy(request.match_info["token"])
    except LinkError as exc:
        return render(request, "privacy_gone.html", {"expired": exc.expired}, status=410 if exc.expired else 403)


def _actor(claims: PrivacyClaims) -> str:
    return f"privacy-link:{claims.user_id}"


async def page(request: web.Request) -> web.Response:
    claims = _claims(request)
    if isinstance(claims, web.Response):
        return claims
    st = request.config_dict[STATE]
    engine = st.engine
    names = {p.cube: p.display_name for p in st.services.personas.all()}
    sections = []
    for tenant, cube in sorted(await engine.cubes()):
        if tenant != claims.tenant:
            continue
        found = await engine.list(MemoryFilter(tenant=tenant, cube=cube, user_id=claims.user_id),
                                  limit=SHOWN_PER_PERSONA)
        if found.total:
            sections.append({"cube": cube, "persona": names.get(cube, cube), "page": found})
    token = request.match_info["token"]
    return render(request, "privacy.html", {
        "sections": sections, "base": f"/console/privacy/{token}", "until": claims.expires,
        "link_csrf": request.config_dict[SIGNER].csrf(f"privacy|{claims.jti}"),
        "deleted": request.query.get("deleted", "")})


async def delete(request: web.Request) -> web.Response:
    claims = _claims(request)
    if isinstance(claims, web.Response):
        return claims
    await check_csrf(request, f"privacy|{claims.jti}")
    engine = request.config_dict[STATE].engine
    form = await request.post()
    if form.get("all") == "1":
        count = await engine.forget_user(claims.user_id, tenant=claims.tenant, actor=_actor(claims))
        target = "all"
    else:
        ids = [str(v) for v in form.getall("id", [])][:500]
        # the filter names the user: an id of someone else's memory deletes nothing
        deleted = await engine.delete(MemoryFilter(ids=ids or ["-"], tenant=claims.tenant, user_id=claims.user_id),
                                      actor=_actor(claims)) if ids else []
        count, target = len(deleted), ",".join(deleted)
    await audit(request, _actor(claims), claims.tenant, target)
    return see_other(f"/console/privacy/{request.match_info['token']}?deleted={count}")


async def download(request: web.Request) -> web.StreamResponse:
    claims = _claims(request)
    if isinstance(claims, web.Response):
        return claims
    resp = web.StreamResponse(headers={
        "Content-Type": "application/x-ndjson; charset=utf-8",
        "Content-Disposition": 'attachment; filename="omoide-mydata.jsonl"'})
    security_headers(resp)
    await resp.prepare(request)
    engine = request.config_dict[STATE].engine
    async for line in export_user(engine, claims.user_id, tenant=claims.tenant, with_vectors=False):
        await resp.write(line.encode() + b"\n")
    await resp.write_eof()
    return resp
