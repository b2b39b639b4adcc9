"""Memory Mesh (seed 002): accounts, API keys, messages, search, conversations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from bot.api.schemas.common import FailedItem, Metadata, Name, QueryText, Request, SessionId, TenantId, Text

Email = Annotated[str, StringConstraints(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Username = Annotated[str, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Role = Literal["user", "assistant", "system"]


class RegisterRequest(Request):
    email: Email
    username: Username
    password: str = Field(min_length=8, max_length=256)


class UserOut(BaseModel):
    id: str
    email: str
    username: str
    created_at: datetime


class LoginRequest(Request):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=256)


class RefreshRequest(Request):
    refresh_token: str = Field(min_length=1, max_length=4096)


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds the access token is valid")


class ApiKeyCreate(Request):
    name: Name
    expires_days: int | None = Field(None, ge=1, le=3650)


class ApiKeyCreated(BaseModel):
    id: str
    name: str
    key: str = Field(description="The key itself: shown this once, stored only as a hash")
    prefix: str
    created_at: datetime
    expires_at: datetime | None


class ApiKeyOut(BaseModel):
    id: str
    name: str
    prefix: str
    admin: bool
    tenants: list[str] | None
    personas: list[str] | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    read_only: bool = False
    require_signature: bool = False


class ApiKeyList(BaseModel):
    keys: list[ApiKeyOut]


class MessageIn(Request):
    tenant_id: TenantId
    conversation_id: SessionId
    role: Role
    content: Text
    importance: float | None = Field(None, ge=0.0, le=1.0)
    metadata: Metadata | None = None


class MessageOut(BaseModel):
    id: str
    tenant_id: str
    conversation_id: str
    role: str
    content: str
    importance: float
    metadata: dict[str, Any]
    emotions: list[str]
    created_at: datetime
    deduplicated: bool = False


class BatchIn(Request):
    messages: list[MessageIn] = Field(min_length=1, max_length=1000)


class BatchOut(BaseModel):
    created: list[MessageOut]
    failed: list[FailedItem]


class SearchQuery(Request):
    tenant_id: TenantId
    query: QueryText
    top_k: int = Field(5, ge=1, le=1000)
    conversation_id: SessionId | None = None
    min_importance: float | None = Field(None, ge=0.0, le=1.0)


class SearchHit(BaseModel):
    id: str
    content: str
    score: float
    role: str
    conversation_id: str | None
    importance: float
    metadata: dict[str, Any]
    created_at: datetime


class SearchOut(BaseModel):
    results: list[SearchHit]
    total: int


class ConversationCreate(Request):
    tenant_id: TenantId
    conversation_id: SessionId
    title: str | None = Field(None, max_length=512)
    metadata: Metadata | None = None


class ConversationOut(BaseModel):
    tenant_id: str
    conversation_id: str
    title: str | None
    metadata: dict[str, Any]
    message_count: int
    created_at: datetime
    updated_at: datetime


class ConversationListQuery(Request):
    tenant_id: TenantId
    limit: int = Field(20, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000_000)


class ConversationList(BaseModel):
    conversations: list[ConversationOut]
    total: int
    limit: int
    offset: int


class ConversationGetQuery(Request):
    tenant_id: TenantId | None = Field(None, description="Needed only when the id exists in several tenants")
