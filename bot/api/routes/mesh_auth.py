"""Memory Mesh accounts (seed 002): /v1/auth/register, login, refresh and the user's own API keys; beyond
the seed, under the same /v1/auth prefix: /v1/auth/me (who am I), its export and deleting oneself."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.api.accounts import delete_user, export_response
from bot.api.errors import ApiError, forbidden, not_found
from bot.api.registry import Api
from bot.api.schemas.accounts import DeleteAccountRequest, MeshUser, UserDeleted
from bot.api.schemas.mesh import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyOut,
    LoginRequest,
    RefreshRequest,
    RegisterRequest,
    TokenResponse,
    UserOut,
)
from bot.api.state import audit, principal, state
from memory.clock import as_utc, utcnow

TAG = "Memory Mesh auth"


def key_out(k: object) -> ApiKeyOut:
    return ApiKeyOut.model_validate(k, from_attributes=True)


async def register(request: web.Request, body: RegisterRequest) -> UserOut:
    st = state(request)
    if not st.settings.api_open_registration:
        raise ApiError(403, "Forbidden", "registration is closed on this server (API_OPEN_REGISTRATION=false)")
    user = await st.users.register(body.email, body.username, body.password)
    return UserOut(id=user.id, email=user.email, username=user.username, created_at=user.created_at)


async def login(request: web.Request, body: LoginRequest) -> TokenResponse:
    pair = await state(request).users.login(body.email, body.password)
    return TokenResponse(access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in)


async def refresh(request: web.Request, body: RefreshRequest) -> TokenResponse:
    pair = await state(request).users.refresh(body.refresh_token)
    return TokenResponse(access_token=pair.access_token, refresh_token=pair.refresh_token, expires_in=pair.expires_in)


def _user_id(request: web.Request) -> str:
    who = principal(request)
    if who.user_id is None:
        raise forbidden("API keys of a Memory Mesh user need that user's token; admins use /admin/api-keys")
    return who.user_id


async def create_key(request: web.Request, body: ApiKeyCreate) -> ApiKeyCreated:
    st, user_id = state(request), _user_id(request)
    expires = utcnow() + timedelta(days=body.expires_days) if body.expires_days else None
    info, key = await st.keys.create(body.name, owner_user_id=user_id, expires_at=expires)
    audit(request, target=f"api key {info.id}")
    return ApiKeyCreated(id=info.id, name=info.name, key=key, prefix=info.prefix, created_at=info.created_at,
                         expires_at=info.expires_at)


async def list_keys(request: web.Request) -> ApiKeyList:
    keys = await state(request).keys.list(owner_user_id=_user_id(request))
    return ApiKeyList(keys=[key_out(k) for k in keys])


async def revoke_key(request: web.Request) -> ApiKeyOut:
    st, user_id = state(request), _user_id(request)
    key_id = request.match_info["key_id"]
    found = await st.keys.get(key_id)
    if found is None or found.owner_user_id != user_id:
        raise not_found(f"API key {key_id!r}", field="key_id")
    info = await st.keys.revoke(key_id)
    st.access.forget_cached()
    await st.hub.disconnect(lambda _tenant, who: who.id == f"key:{key_id}", "the API key was revoked")
    audit(request, target=f"api key {key_id}")
    return key_out(info)


async def me(request: web.Request) -> MeshUser:
    st, user_id = state(request), _user_id(request)
    user = await st.users.get(user_id)
    if user is None:
        raise not_found("this user", field="user_id")
    return MeshUser(id=user.id, email=user.email, username=user.username, created_at=as_utc(user.created_at),
                    owned_tenants=await st.access.owners.owned_by(user_id),
                    granted_tenants=await st.access.owners.granted_to(user_id))


async def export_me(request: web.Request) -> web.StreamResponse:
    st, user_id = state(request), _user_id(request)
    return await export_response(request, st, user_id)


async def delete_me(request: web.Request, body: DeleteAccountRequest) -> UserDeleted:
    """The password is asked again: a leaked access token or key alone cannot erase an account."""
    st, user_id = state(request), _user_id(request)
    if not await st.users.password_matches(user_id, body.password):
        raise ApiError(403, "Forbidden", "wrong password", field="password")
    done = await delete_user(st, user_id, actor=principal(request).id)
    audit(request, tenant=",".join(done.deleted_tenants) or None, target=f"mesh user {user_id}")
    return done


def setup(app: web.Application) -> None:
    api = Api(app)
    api.add("POST", "/v1/auth/register", register, summary="Create a Memory Mesh user", tag=TAG,
            body=RegisterRequest, response=UserOut, status=201, public=True, errors=(409,))
    api.add("POST", "/v1/auth/login", login, summary="Log in: access and refresh tokens", tag=TAG,
            body=LoginRequest, response=TokenResponse, public=True, audit=False, errors=(401,))
    api.add("POST", "/v1/auth/refresh", refresh, summary="Trade a refresh token for new tokens (one use)",
            tag=TAG, body=RefreshRequest, response=TokenResponse, public=True, audit=False, errors=(401,))
    api.add("POST", "/v1/auth/api-keys", create_key, summary="Create an API key acting as this user", tag=TAG,
            body=ApiKeyCreate, response=ApiKeyCreated, status=201)
    api.add("GET", "/v1/auth/api-keys", list_keys, summary="This user's API keys (never the keys themselves)",
            tag=TAG, response=ApiKeyList)
    api.add("DELETE", "/v1/auth/api-keys/{key_id}", revoke_key, summary="Revoke one of this user's API keys",
            tag=TAG, response=ApiKeyOut)
    api.add("GET", "/v1/auth/me", me, summary="This user: account and tenants (owned, granted)", tag=TAG,
            response=MeshUser)
    api.add("GET", "/v1/auth/me/export", export_me, summary="Everything kept about this user, as JSONL", tag=TAG,
            media_type="application/x-ndjson")
    api.add("DELETE", "/v1/auth/me", delete_me, summary="Delete this user, its keys, tokens and owned tenants",
            tag=TAG, body=DeleteAccountRequest, body_required=True, response=UserDeleted, errors=(403, 409))
