"""Admin routes (admin API key only): stats, personas, a user's export and deletion, reindex, API keys,
the running settings with secrets redacted, and the audit log."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bot.api.auth.principal import Principal, persona_cube, persona_of_cube
from bot.api.errors import ApiError, not_found
from bot.api.hub import Hub
from bot.api.registry import Api
from bot.api.routes.cocoro import persona_names
from bot.api.routes.livestream import WATCHERS
from bot.api.routes.mesh_auth import key_out
from bot.api.schemas.admin import (
    AdminKeyCreate,
    AdminKeyCreated,
    AuditEntry,
    AuditList,
    AuditQuery,
    CubeInfo,
    ForgetResponse,
    PersonaInfo,
    PersonaList,
    ReindexResponse,
    SettingsResponse,
    StatsResponse,
    TenantQuery,
)
from bot.api.schemas.mesh import ApiKeyList, ApiKeyOut
from bot.api.state import ApiState, audit, principal, state
from bot.api.tables import audit_page, counts
from memory.clock import as_utc, utcnow
from memory.maintenance import rebuild_indexes
from memory.portability import export_user

TAG = "Admin"
SECRET_NAME = re.compile(r"(?i)token|secret|password|api_key|private")


async def _cubes(request: web.Request) -> list[CubeInfo]:
    engine = state(request).engine
    out = []
    for tenant, cube in sorted(await engine.cubes()):
        s = await engine.stats(tenant, cube)
        out.append(CubeInfo(tenant=tenant, cube=cube, persona=persona_of_cube(cube), total=s.total, by_tier=s.by_tier,
                            by_kind=s.by_kind, users=s.users, oldest=s.oldest, newest=s.newest,
                            top_emotions=s.top_emotions))
    return out


async def stats(request: web.Request) -> StatsResponse:
    st = state(request)
    cubes = await _cubes(request)
    api = {**await counts(st.store.sessions), "websocket_listeners": st.hub.count()}
    return StatsResponse(memories=sum(c.total for c in cubes), cubes=cubes, api=api,
                         embedding_model=st.engine.embeddings.model_id,
                         uptime_seconds=round(time.time() - st.services.started_at, 1))


async def personas(request: web.Request) -> PersonaList:
    names = persona_names(request)
    cubes = [c for c in await _cubes(request) if c.persona]
    out = [PersonaInfo(memory_id=c.persona, memory_name=names.get(c.persona, c.persona.capitalize()), tenant=c.tenant,
                       cube=c.cube, created=True, total=c.total) for c in cubes if c.persona]
    seen = {c.persona for c in cubes}
    out += [PersonaInfo(memory_id=mid, memory_name=name, tenant=None, cube=persona_cube(mid), created=False, total=0)
            for mid, name in names.items() if mid not in seen]
    return PersonaList(personas=out)


async def export(request: web.Request, query: TenantQuery) -> web.StreamResponse:
    """Every memory of the user as JSONL (one memory per line, vectors included), for `mydata` and migration."""
    user_id = request.match_info["user_id"]
    resp = web.StreamResponse(headers={"Content-Type": "application/x-ndjson; charset=utf-8",
                                       "Content-Disposition": f'attachment; filename="memories-{len(user_id)}.jsonl"'})
    await resp.prepare(request)
    async for line in export_user(state(request).engine, user_id, tenant=query.tenant_id):
        await resp.write(line.encode("utf-8") + b"\n")
    await resp.write_eof()
    return resp


async def forget(request: web.Request, query: TenantQuery) -> ForgetResponse:
    user_id = request.match_info["user_id"]
    n = await state(request).engine.forget_user(user_id, tenant=query.tenant_id, actor=principal(request).id)
    audit(request, tenant=query.tenant_id, target=f"user {user_id}: {n} memories")
    return ForgetResponse(user_id=user_id, tenant_id=query.tenant_id, deleted_count=n)


async def reindex(request: web.Request) -> ReindexResponse:
    n = await rebuild_indexes(state(request).engine)
    audit(request, target=f"{n} cube indexes")
    return ReindexResponse(cubes_rebuilt=n)


async def create_key(request: web.Request, body: AdminKeyCreate) -> AdminKeyCreated:
    st = state(request)
    expires = utcnow() + timedelta(days=body.expires_days) if body.expires_days else None
    info, key = await st.keys.create(body.name, admin=body.admin, tenants=body.tenants, personas=body.personas,
                                     expires_at=expires, read_only=body.read_only,
                                     require_signature=body.require_signature)
    audit(request, target=f"api key {info.id}")
    return AdminKeyCreated(id=info.id, name=info.name, key=key, prefix=info.prefix, admin=info.admin,
                           tenants=info.tenants, personas=info.personas, created_at=info.created_at,
                           expires_at=info.expires_at, read_only=info.read_only,
                           require_signature=info.require_signature)


async def list_keys(request: web.Request) -> ApiKeyList:
    return ApiKeyList(keys=[key_out(k) for k in await state(request).keys.list()])


async def revoke(st: ApiState, key_id: str, by: Principal, *also: Hub) -> ApiKeyOut:
    """Revoke a key and close the sockets it opened, on the Mesh hub and on `also` (the console's live view);
    the admin API and the console both revoke this way."""
    if by.id == f"key:{key_id}":
        raise ApiError(409, "ConflictError", "a key cannot revoke itself (you would lock yourself out); "
                       "use another admin key", field="key_id")
    info = await st.keys.revoke(key_id)
    if info is None:
        raise not_found(f"API key {key_id!r}", field="key_id")
    st.access.forget_cached()
    for hub in (st.hub, *also):
        await hub.disconnect(lambda _tenant, who: who.id == f"key:{key_id}", "the API key was revoked")
    return key_out(info)


async def revoke_key(request: web.Request) -> ApiKeyOut:
    key_id = request.match_info["key_id"]
    out = await revoke(state(request), key_id, principal(request), request.app[WATCHERS])
    audit(request, target=f"api key {key_id}")
    return out


def redacted_settings(settings: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr) or (SECRET_NAME.search(name) and value not in (None, "")):
            out[name] = "***" if value else None
        elif isinstance(value, (str, int, float, bool)) or value is None:
            out[name] = value
        else:
            out[name] = str(value)
    return out


async def settings(request: web.Request) -> SettingsResponse:
    return SettingsResponse(settings=redacted_settings(state(request).settings))


async def audit_log(request: web.Request, query: AuditQuery) -> AuditList:
    rows, total = await audit_page(state(request).store.sessions, query.limit, query.offset, query.actor)
    entries = [AuditEntry(at=as_utc(r.at), actor=r.actor, method=r.method, path=r.path, status=r.status,
                          tenant=r.tenant, target=r.target, client_ip=r.client_ip, request_id=r.request_id)
               for r in rows]
    return AuditList(entries=entries, total=total)


def setup(app: web.Application) -> None:
    api = Api(app)
    add = api.add
    add("GET", "/admin/stats", stats, summary="Counts per cube and API", tag=TAG, response=StatsResponse, admin=True)
    add("GET", "/admin/personas", personas, summary="Persona cubes and persona files", tag=TAG,
        response=PersonaList, admin=True)
    add("GET", "/admin/users/{user_id}/export", export, summary="A user's memories as JSONL", tag=TAG,
        query=TenantQuery, admin=True, media_type="application/x-ndjson")
    add("DELETE", "/admin/users/{user_id}", forget, summary="Delete everything kept about a user", tag=TAG,
        query=TenantQuery, response=ForgetResponse, admin=True)
    add("POST", "/admin/reindex", reindex, summary="Rebuild every vector index from the database", tag=TAG,
        response=ReindexResponse, admin=True)
    add("POST", "/admin/api-keys", create_key, summary="Create an API key (scopes, expiry)", tag=TAG,
        body=AdminKeyCreate, response=AdminKeyCreated, status=201, admin=True)
    add("GET", "/admin/api-keys", list_keys, summary="Every API key (never the keys themselves)", tag=TAG,
        response=ApiKeyList, admin=True)
    add("DELETE", "/admin/api-keys/{key_id}", revoke_key, summary="Revoke an API key", tag=TAG,
        response=ApiKeyOut, admin=True, errors=(409,))
    add("GET", "/admin/settings", settings, summary="The running settings, secrets redacted", tag=TAG,
        response=SettingsResponse, admin=True)
    add("GET", "/admin/audit", audit_log, summary="Audit log of writes and deletions, newest first", tag=TAG,
        query=AuditQuery, response=AuditList, admin=True)
