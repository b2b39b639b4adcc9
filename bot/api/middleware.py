"""Request pipeline: JSON errors + audit, body size (413), authentication, rate limit (429), signatures."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.api import errors
from bot.api.auth.principal import presented_key
from bot.api.auth.signing import check_signature
from bot.api.docs_page import ASSET_PATHS
from bot.api.errors import ApiError
from bot.api.identifiers import check_request_headers
from bot.api.registry import operation_of
from bot.api.state import AUDIT_TARGET, AUDIT_TENANT, PRINCIPAL, STATE
from bot.api.tables import AuditRow
from memory.clock import utcnow
from memory.errors import OmoideError

log = logging.getLogger("omoide.api")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PUBLIC_PATHS = {"/openapi.json", "/docs", *ASSET_PATHS}


def is_public(request: web.Request) -> bool:
    op = operation_of(request)
    if op is not None:
        return op.public
    path = request.path.rstrip("/")
    if path == "/console" or path.startswith("/console/"):
        return True  # the console checks its own session cookie or signed link (bot.console.pipeline)
    return path in PUBLIC_PATHS or path.endswith("/health")


@web.middleware
async def errors_and_audit(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        resp = await handler(request)
    except ApiError as exc:
        resp = errors.response(exc)
    except OmoideError as exc:
        resp = errors.response(errors.from_engine(exc))
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[STATE].settings.api_max_body_bytes
        resp = errors.response(ApiError(413, "PayloadTooLarge", f"the request body is larger than {limit} bytes "
                                        "(API_MAX_BODY_BYTES)", field="body"))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        kind = {404: "NotFoundError", 405: "MethodNotAllowed"}.get(exc.status, "HTTPError")
        message = {404: f"no route {request.path}", 405: f"{request.method} is not allowed on {request.path}"}
        resp = web.json_response(errors.body(kind, message.get(exc.status, exc.reason)), status=exc.status,
                                 headers={k: v for k, v in exc.headers.items() if k.lower() == "allow"})
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        resp = web.json_response(errors.body("InternalError", "internal error; the details are in the server log"),
                                 status=500)
    await _audit(request, resp.status)
    return resp


async def _audit(request: web.Request, status: int) -> None:
    op = operation_of(request)
    who = request.get(PRINCIPAL)
    if op is None or not op.audited or (who is None and not op.public):
        return
    peer = request.remote
    try:
        async with request.app[STATE].store.sessions.begin() as s:
            s.add(AuditRow(at=utcnow(), actor=who.id if who else "anonymous", method=request.method,
                           path=request.path[:512], status=status,
                           tenant=request.get(AUDIT_TENANT), target=request.get(AUDIT_TARGET),
                           client_ip=peer[:64] if peer else None))
    except Exception:  # the audit log must not turn a done write into an error
        log.exception("could not write the audit record for %s %s", request.method, request.path)


@web.middleware
async def body_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    limit = request.app[STATE].settings.api_max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    return await handler(request)


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    st = request.app[STATE]
    if request.match_info.http_exception is not None:
        return await handler(request)  # unknown route or method: 404/405, no credentials needed
    check_request_headers(request)  # 400 naming a header that is not text or not an identifier
    if is_public(request):
        if operation_of(request) is not None:  # login, register, refresh: limited per client address
            _limit(await st.limiter.check(f"ip:{request.remote}"))
        return await handler(request)
    who = await st.access.resolve_request(request)
    request[PRINCIPAL] = who
    _limit(await st.limiter.check(who.id))
    await check_signature(request, key=presented_key(request), key_id=who.id, required=who.signed_only,
                          guard=st.replays)
    op = operation_of(request)
    if op is not None and op.admin:
        st.access.require_admin(who)
    if op is not None and op.audited and who.read_only:  # audited = the operation writes
        raise errors.forbidden("this API key is read-only; it may search, get and list, not write")
    if op is not None and op.guard is not None:
        op.guard(who)
    return await handler(request)


def _limit(wait: int) -> None:
    if wait:
        raise ApiError(429, "RateLimitExceeded", f"too many requests; retry after {wait} s",
                       headers={"Retry-After": str(wait)})


MIDDLEWARES = [errors_and_audit, body_limit, authenticate]
