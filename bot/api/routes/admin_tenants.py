"""Admin routes for tenants and Memory Mesh users (admin API key only).

What an admin grants, explicitly: a Mesh user the use of a tenant it does not own (read and write, as
the owner does; the owner stays the owner, and only an admin revokes the grant). Owners themselves are
never changed by a route: a tenant belongs to its first writer for good. Admins also list and export
Mesh users and delete them (the same deletion as `DELETE /v1/auth/me`, without the password).
"""

from __future__ import annotations

from aiohttp import web

from bot.api.accounts import delete_user, export_response, list_users
from bot.api.errors import not_found
from bot.api.registry import Api
from bot.api.schemas.accounts import (
    GrantCreate,
    GrantOut,
    MeshUserList,
    PageQuery,
    TenantList,
    TenantOut,
    UserDeleted,
)
from bot.api.state import audit, principal, state

TAG = "Admin"


async def tenants(request: web.Request, query: PageQuery) -> TenantList:
    rows, total = await state(request).access.owners.page(query.limit, query.offset)
    return TenantList(tenants=[TenantOut(tenant_id=t.tenant_id, owner=t.owner, source=t.source,
                                         created_at=t.created_at, grants=t.grants) for t in rows], total=total)


async def grant(request: web.Request, body: GrantCreate) -> GrantOut:
    st, tenant = state(request), request.match_info["tenant_id"]
    if await st.access.owners.owner(tenant) is None:
        raise not_found(f"tenant {tenant!r} (nothing was written there yet)", field="tenant_id")
    if await st.users.get(body.user_id) is None:
        raise not_found(f"Memory Mesh user {body.user_id!r}", field="user_id")
    created = await st.access.owners.grant(tenant, body.user_id, principal(request).id)
    audit(request, tenant=tenant, target=f"grant to mesh user {body.user_id}")
    return GrantOut(tenant_id=tenant, user_id=body.user_id, created=created)


async def revoke(request: web.Request) -> GrantOut:
    st, tenant, user_id = state(request), request.match_info["tenant_id"], request.match_info["user_id"]
    if not await st.access.owners.revoke(tenant, user_id):
        raise not_found(f"grant of tenant {tenant!r} to {user_id!r}", field="user_id")
    await st.hub.disconnect(lambda t, who: t == tenant and who.user_id == user_id, "the tenant grant was revoked")
    audit(request, tenant=tenant, target=f"grant to mesh user {user_id}")
    return GrantOut(tenant_id=tenant, user_id=user_id, created=False)


async def users(request: web.Request, query: PageQuery) -> MeshUserList:
    rows, total = await list_users(state(request), query.limit, query.offset)
    return MeshUserList(users=rows, total=total)


async def export(request: web.Request) -> web.StreamResponse:
    return await export_response(request, state(request), request.match_info["user_id"])


async def remove(request: web.Request) -> UserDeleted:
    user_id = request.match_info["user_id"]
    done = await delete_user(state(request), user_id, actor=principal(request).id)
    audit(request, tenant=",".join(done.deleted_tenants) or None, target=f"mesh user {user_id}")
    return done


def setup(app: web.Application) -> None:
    add = Api(app).add
    add("GET", "/admin/tenants", tenants, summary="Tenants with their owner and the users granted them", tag=TAG,
        query=PageQuery, response=TenantList, admin=True)
    add("POST", "/admin/tenants/{tenant_id}/grants", grant, summary="Let a Memory Mesh user use a tenant", tag=TAG,
        body=GrantCreate, response=GrantOut, status=201, admin=True)
    add("DELETE", "/admin/tenants/{tenant_id}/grants/{user_id}", revoke, summary="Revoke a user's tenant grant",
        tag=TAG, response=GrantOut, admin=True)
    add("GET", "/admin/mesh-users", users, summary="Memory Mesh users and their tenants", tag=TAG, query=PageQuery,
        response=MeshUserList, admin=True)
    add("GET", "/admin/mesh-users/{user_id}/export", export, summary="Everything kept about a Mesh user, as JSONL",
        tag=TAG, admin=True, media_type="application/x-ndjson")
    add("DELETE", "/admin/mesh-users/{user_id}", remove, summary="Delete a Mesh user, its keys, tokens and tenants",
        tag=TAG, response=UserDeleted, admin=True, errors=(409,))
