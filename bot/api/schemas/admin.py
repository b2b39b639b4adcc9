"""Admin routes: stats, personas, a user's export and deletion, reindex, API keys, settings, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from bot.api.schemas.common import Name, PersonaId, Request, TenantId


class CubeInfo(BaseModel):
    tenant: str
    cube: str
    persona: str | None = Field(description="memory_id when the cube is a persona cube")
    total: int
    by_tier: dict[str, int]
    by_kind: dict[str, int]
    users: int
    oldest: datetime | None
    newest: datetime | None
    top_emotions: list[tuple[str, int]]


class StatsResponse(BaseModel):
    memories: int
    cubes: list[CubeInfo]
    api: dict[str, int]
    embedding_model: str
    uptime_seconds: float


class PersonaInfo(BaseModel):
    memory_id: str
    memory_name: str
    tenant: str | None
    cube: str
    created: bool
    total: int


class PersonaList(BaseModel):
    personas: list[PersonaInfo]


class TenantQuery(Request):
    tenant_id: TenantId | None = Field(None, description="Only this tenant (default: every tenant)")


class ForgetResponse(BaseModel):
    user_id: str
    tenant_id: str | None
    deleted_count: int


class ReindexResponse(BaseModel):
    cubes_rebuilt: int


class AdminKeyCreate(Request):
    name: Name
    admin: bool = False
    tenants: list[TenantId] | None = Field(None, max_length=100, description="Allowed tenants (default: all)")
    personas: list[PersonaId] | None = Field(None, max_length=100, description="Allowed persona memory_ids or cubes "
                                                                          "(default: all)")
    expires_days: int | None = Field(None, ge=1, le=3650)
    read_only: bool = Field(False, description="Search, get and list only (HTTP writes answer 403; over MCP "
                                               "only memory_search, memory_get and memory_list are offered)")
    require_signature: bool = Field(False, description="Refuse this key's requests unless they carry a valid "
                                                       "X-Signature and X-Timestamp (docs/api.md, Signed requests)")


class AdminKeyCreated(BaseModel):
    id: str
    name: str
    key: str = Field(description="The key itself: shown this once, stored only as a hash")
    prefix: str
    admin: bool
    tenants: list[str] | None
    personas: list[str] | None
    created_at: datetime
    expires_at: datetime | None
    read_only: bool = False
    require_signature: bool = False


class SettingsResponse(BaseModel):
    settings: dict[str, Any]


class AuditQuery(Request):
    limit: int = Field(50, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000_000)
    actor: str | None = Field(None, max_length=128, description="Only entries of this actor (key:<id>, user:<id>)")


class AuditEntry(BaseModel):
    at: datetime
    actor: str
    method: str
    path: str
    status: int
    tenant: str | None
    target: str | None
    client_ip: str | None
    request_id: str | None = Field(None, description="The request's X-Request-ID (also in the log and the trace)")


class AuditList(BaseModel):
    entries: list[AuditEntry]
    total: int
