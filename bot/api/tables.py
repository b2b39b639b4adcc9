"""API-side tables (keys, Memory Mesh users, tenant owners and grants, conversations, tokens, audit log).

They live in the engine's database but in their own metadata, so the engine's models stay the engine's;
the migrations (memory/db/migrations) create them with the rest of the schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, Table, Text, false
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.telemetry.context import current_request_id


class ApiBase(DeclarativeBase):
    __table__: ClassVar[Table]
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class ApiKeyRow(ApiBase):
    """An API key, stored as a SHA-256 hash (keys are 256-bit random, so a fast hash is enough)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # search/get/list only
    require_signature: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # X-Signature
    tenants: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # None = every tenant
    personas: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # None = every persona
    owner_user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # a Mesh user's own key
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class MeshUserRow(ApiBase):
    __tablename__ = "api_users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TenantOwnerRow(ApiBase):
    """Who owns a tenant: whoever wrote its first row (`user:<id>`, `key:<id>`, or `system`), for good.

    A row is never re-assigned; when its user is deleted the tenant is emptied and the row stays, so
    the name cannot be claimed again. `owner_user_id` repeats a user owner's id for lookups.
    """

    __tablename__ = "api_tenant_owners"
    __table_args__ = (Index("ix_api_tenant_owners_user", "owner_user_id"),)

    tenant_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    owner_user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(16))  # "write", or "upgrade" when given at start to old data


class TenantGrantRow(ApiBase):
    """An admin's grant: a Memory Mesh user may use a tenant it does not own, as its owner does."""

    __tablename__ = "api_tenant_grants"
    __table_args__ = (Index("ix_api_tenant_grants_user", "user_id"),)

    tenant_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    granted_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ConversationRow(ApiBase):
    __tablename__ = "api_conversations"

    tenant_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    message_count: Mapped[int] = mapped_column(Integer, default=0)


class RefreshTokenRow(ApiBase):
    """Each refresh token is usable once (rotation); a reused one is refused and revokes its family."""

    __tablename__ = "api_refresh_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TokenFamilyRow(ApiBase):
    """One login: every token pair traded from its refresh tokens; revoked as a whole (OAuth 2.0 Security BCP)."""

    __tablename__ = "api_token_families"
    __table_args__ = (Index("ix_api_token_families_user", "user_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_why: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditRow(ApiBase):
    """Who wrote or deleted what, when: never a secret (key ids, not keys; no bodies)."""

    __tablename__ = "api_audit"
    __table_args__ = (Index("ix_api_audit_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(512))
    status: Mapped[int] = mapped_column(Integer)
    tenant: Mapped[str | None] = mapped_column(String(128), nullable=True)
    target: Mapped[str | None] = mapped_column(Text, nullable=True)
    client_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # filled from the request being served when the row is written (bot.telemetry.context)
    request_id: Mapped[str | None] = mapped_column(String(128), nullable=True, default=current_request_id)


async def audit_page(sessions: async_sessionmaker[AsyncSession], limit: int, offset: int,
                     actor: str | None = None) -> tuple[list[AuditRow], int]:
    from sqlalchemy import func, select
    stmt = select(AuditRow)
    count = select(func.count()).select_from(AuditRow)
    if actor is not None:
        stmt, count = stmt.where(AuditRow.actor == actor), count.where(AuditRow.actor == actor)
    async with sessions() as s:
        total = (await s.execute(count)).scalar_one()
        rows = (await s.execute(stmt.order_by(AuditRow.id.desc()).limit(limit).offset(offset))).scalars().all()
    return list(rows), int(total)


async def counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """How many keys (usable or not), Mesh users, tenants and conversations exist."""
    from sqlalchemy import func, select
    out = {}
    async with sessions() as s:
        for name, model in (("api_keys", ApiKeyRow), ("mesh_users", MeshUserRow), ("mesh_tenants", TenantOwnerRow),
                            ("conversations", ConversationRow)):
            out[name] = int((await s.execute(select(func.count()).select_from(model))).scalar_one())
    return out
