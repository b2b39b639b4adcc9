"""Memory Mesh conversations: a row per (tenant, conversation_id), created on demand by messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.api.errors import ApiError
from bot.api.tables import ConversationRow
from memory.clock import utcnow


class Conversations:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def create(self, tenant: str, conversation_id: str, title: str | None,
                     metadata: dict[str, Any] | None) -> ConversationRow:
        now = utcnow()
        async with self.sessions.begin() as s:
            if await s.get(ConversationRow, (tenant, conversation_id)) is not None:
                raise ApiError(409, "ConflictError", f"conversation {conversation_id!r} already exists in tenant "
                               f"{tenant!r}", field="conversation_id")
            row = ConversationRow(tenant_id=tenant, conversation_id=conversation_id, title=title,
                                  meta=metadata or {}, created_at=now, updated_at=now, message_count=0)
            s.add(row)
        return row

    async def note_messages(self, counts: dict[tuple[str, str], int]) -> None:
        """Count new messages, creating the conversations the client never created explicitly."""
        now = utcnow()
        async with self.sessions.begin() as s:
            for (tenant, cid), n in counts.items():
                if await s.get(ConversationRow, (tenant, cid)) is None:
                    s.add(ConversationRow(tenant_id=tenant, conversation_id=cid, title=None, meta={},
                                          created_at=now, updated_at=now, message_count=n))
                else:
                    await s.execute(update(ConversationRow)
                                    .where(ConversationRow.tenant_id == tenant, ConversationRow.conversation_id == cid)
                                    .values(message_count=ConversationRow.message_count + n, updated_at=now))

    async def get(self, tenants: list[str] | None, conversation_id: str,
                  tenant: str | None = None) -> ConversationRow | None:
        """One conversation by id among `tenants` (None: all); ambiguous ids need `tenant`."""
        stmt = select(ConversationRow).where(ConversationRow.conversation_id == conversation_id)
        if tenant is not None:
            stmt = stmt.where(ConversationRow.tenant_id == tenant)
        if tenants is not None:
            stmt = stmt.where(ConversationRow.tenant_id.in_(tenants))
        async with self.sessions() as s:
            rows = (await s.execute(stmt.limit(2))).scalars().all()
        if len(rows) > 1:
            raise ApiError(422, "ValidationError", f"conversation {conversation_id!r} exists in several tenants; "
                           "add ?tenant_id=", field="tenant_id")
        return rows[0] if rows else None

    async def list(self, tenant: str, limit: int, offset: int) -> tuple[list[ConversationRow], int]:
        where = ConversationRow.tenant_id == tenant
        async with self.sessions() as s:
            total = (await s.execute(select(func.count()).select_from(ConversationRow).where(where))).scalar_one()
            rows = (await s.execute(select(ConversationRow).where(where)
                                    .order_by(ConversationRow.updated_at.desc(), ConversationRow.conversation_id)
                                    .limit(limit).offset(offset))).scalars().all()
        return list(rows), int(total)
