"""Deleting a Memory Mesh user and exporting what is kept about one (the Mesh side of `forget`/`mydata`).

Deleting is refused (409) while another user holds a grant on a tenant the user owns: the grantee's work
lives there too, so an admin revokes the grant first. Otherwise, in one transaction, the user row goes
(its tokens fail from then on), its API keys are revoked, its logins' token families revoked, its refresh
tokens and the grants it holds deleted; its WebSockets are closed; then every tenant it owns is emptied
(memories with their history, conversations). Emptied tenants keep their owner record, so their names are
never claimed again by someone who would then read what a forgotten client still sends there.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import delete, func, select, update

from bot.api.auth.owners import user_owner
from bot.api.errors import ApiError, not_found
from bot.api.schemas.accounts import MeshUser, UserDeleted
from bot.api.state import ApiState
from bot.api.tables import (
    ApiKeyRow,
    MeshUserRow,
    RefreshTokenRow,
    TenantGrantRow,
    TenantOwnerRow,
    TokenFamilyRow,
)
from memory.clock import as_utc, utcnow
from memory.portability import export_tenant

EXPORT_VERSION = 1


async def delete_user(st: ApiState, user_id: str, *, actor: str) -> UserDeleted:
    owners = st.access.owners
    now = utcnow()
    async with st.engine.sessions.begin() as s:
        if await s.get(MeshUserRow, user_id) is None:
            raise not_found(f"Memory Mesh user {user_id!r}", field="user_id")
        owned = list((await s.execute(select(TenantOwnerRow.tenant_id).where(
            TenantOwnerRow.owner_user_id == user_id).order_by(TenantOwnerRow.tenant_id))).scalars())
        shared = sorted(set((await s.execute(select(TenantGrantRow.tenant_id).where(
            TenantGrantRow.tenant_id.in_(owned), TenantGrantRow.user_id != user_id))).scalars()))
        if shared:
            raise ApiError(409, "ConflictError", f"tenant(s) {', '.join(map(repr, shared))} of this user are shared "
                           "with other users; an admin revokes those grants first (DELETE /admin/tenants/"
                           "{tenant_id}/grants/{user_id})", field="user_id")
        keys = await s.execute(update(ApiKeyRow).where(ApiKeyRow.owner_user_id == user_id,
                                                       ApiKeyRow.revoked_at.is_(None)).values(revoked_at=now))
        await s.execute(update(TokenFamilyRow).where(TokenFamilyRow.user_id == user_id,
                                                     TokenFamilyRow.revoked_at.is_(None))
                        .values(revoked_at=now, revoked_why="user deleted"))
        await s.execute(delete(RefreshTokenRow).where(RefreshTokenRow.user_id == user_id))
        await s.execute(delete(TenantGrantRow).where(TenantGrantRow.user_id == user_id))
        await s.execute(delete(MeshUserRow).where(MeshUserRow.id == user_id))
    st.access.forget_cached()
    await st.hub.disconnect(lambda _tenant, who: who.user_id == user_id, "the user was deleted")
    memories = conversations = 0
    for tenant in owned:
        memories += await st.engine.forget_tenant(tenant, actor=actor)
        conversations += await st.conversations.delete_tenant(tenant)
    await st.hub.disconnect(lambda t, _who: t in owned, "the tenant was deleted")
    await owners.drop_grants_on(owned)  # any an admin made meanwhile: these tenants now belong to nobody living
    return UserDeleted(user_id=user_id, deleted_tenants=owned, deleted_memories=memories,
                       deleted_conversations=conversations, revoked_api_keys=int(keys.rowcount))  # type: ignore[attr-defined]


def _line(kind: str, **fields: Any) -> str:
    doc = {"format": f"omoide.{kind}", "version": EXPORT_VERSION, **fields}
    return json.dumps(doc, ensure_ascii=False, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v))


async def export_user_lines(st: ApiState, user_id: str) -> AsyncIterator[str]:
    """Everything kept about the user as JSON lines: the account (never its password hash), its keys
    (never the keys), its tenants, and the conversations and memories of the tenants it owns."""
    user = await st.users.get(user_id)
    if user is None:
        return
    yield _line("mesh_user", id=user.id, email=user.email, username=user.username, created_at=as_utc(user.created_at))
    for k in await st.keys.list(owner_user_id=user_id):
        yield _line("api_key", id=k.id, name=k.name, prefix=k.prefix, created_at=k.created_at,
                    expires_at=k.expires_at, revoked_at=k.revoked_at)
    owned = await st.access.owners.owned_by(user_id)
    for tenant in owned:
        yield _line("tenant", tenant_id=tenant, access="owner")
    for tenant in await st.access.owners.granted_to(user_id):
        yield _line("tenant", tenant_id=tenant, access="grant")
    for tenant in owned:
        for c in await st.conversations.of_tenant(tenant):
            yield _line("conversation", tenant_id=c.tenant_id, conversation_id=c.conversation_id, title=c.title,
                        metadata=c.meta or {}, message_count=c.message_count, created_at=as_utc(c.created_at),
                        updated_at=as_utc(c.updated_at))
        async for line in export_tenant(st.engine, tenant, with_vectors=False):
            yield line


async def list_users(st: ApiState, limit: int, offset: int) -> tuple[list[MeshUser], int]:
    async with st.engine.sessions() as s:
        total = int((await s.execute(select(func.count()).select_from(MeshUserRow))).scalar_one())
        rows = (await s.execute(select(MeshUserRow).order_by(MeshUserRow.created_at, MeshUserRow.id)
                                .limit(limit).offset(offset))).scalars().all()
        ids = [r.id for r in rows]
        owners = (await s.execute(select(TenantOwnerRow.owner, TenantOwnerRow.tenant_id).where(
            TenantOwnerRow.owner_user_id.in_(ids)).order_by(TenantOwnerRow.tenant_id))).all()
        grants = (await s.execute(select(TenantGrantRow.user_id, TenantGrantRow.tenant_id).where(
            TenantGrantRow.user_id.in_(ids)).order_by(TenantGrantRow.tenant_id))).all()
    owned: dict[str, list[str]] = {}
    for owner, tenant in owners:
        owned.setdefault(user_owner(owner) or "", []).append(tenant)
    granted: dict[str, list[str]] = {}
    for uid, tenant in grants:
        granted.setdefault(uid, []).append(tenant)
    return [MeshUser(id=r.id, email=r.email, username=r.username, created_at=as_utc(r.created_at),
                     owned_tenants=owned.get(r.id, []), granted_tenants=granted.get(r.id, [])) for r in rows], total


async def export_response(request: web.Request, st: ApiState, user_id: str) -> web.StreamResponse:
    """The export as a JSONL download; 404 when there is no such user."""
    if await st.users.get(user_id) is None:
        raise not_found(f"Memory Mesh user {user_id!r}", field="user_id")
    resp = web.StreamResponse(headers={"Content-Type": "application/x-ndjson; charset=utf-8",
                                       "Content-Disposition": 'attachment; filename="omoide-mesh-user.jsonl"'})
    await resp.prepare(request)
    async for line in export_user_lines(st, user_id):
        await resp.write(line.encode("utf-8") + b"\n")
    await resp.write_eof()
    return resp
