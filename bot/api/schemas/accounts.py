"""Memory Mesh users and tenants beyond seed 002: who am I, deleting a user, tenant owners and grants."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from bot.api.schemas.common import Request, TenantId


class DeleteAccountRequest(Request):
    password: str = Field(min_length=1, max_length=256, description="The user's password, asked again")


class UserDeleted(BaseModel):
    user_id: str
    deleted_tenants: list[str] = Field(description="Tenants the user owned: emptied, and never claimable again")
    deleted_memories: int
    deleted_conversations: int
    revoked_api_keys: int


class MeshUser(BaseModel):
    id: str
    email: str
    username: str
    created_at: datetime
    owned_tenants: list[str]
    granted_tenants: list[str]


class MeshUserList(BaseModel):
    users: list[MeshUser]
    total: int


class PageQuery(Request):
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000_000)


class TenantOut(BaseModel):
    tenant_id: str
    owner: str = Field(description="user:<id>, key:<id> (an admin-made key) or system")
    source: str = Field(description="write (its first write) or upgrade (given at start to older data)")
    created_at: datetime
    grants: list[str] = Field(description="Memory Mesh users an admin granted this tenant")


class TenantList(BaseModel):
    tenants: list[TenantOut]
    total: int


class GrantCreate(Request):
    user_id: str = Field(min_length=1, max_length=36, description="A Memory Mesh user's id")


class GrantOut(BaseModel):
    tenant_id: TenantId
    user_id: str
    created: bool = Field(description="False when the user already had this grant")
