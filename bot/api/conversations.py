"""Memory Mesh conversations: a row per (tenant, conversation_id), created on demand by messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.api.errors import ApiError
from bot.api.tables import ConversationRow
from memory.clock import utcnow
from memory.db.upsert import insert_new


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    """Attribute names to column names (`meta` is stored as `metadata`)."""
    return {("metadata" if k == "meta" else k): v for k, v in values.items()}


class Conversations:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def create(self, tenant: str, conversation_id: str, title: str | None,
                     metadata: dict[str, Any] | None) -> ConversationRow:
        now = utcnow()
        values = {"tenant_id": tenant, "conversation_id": conversation_id, "title": title, "meta": metadata or {},
                  "created_at": now, "updated_at": now, "message_count": 0}
        async with self.sessions.begin() as s:  # one statement: of concurrent creations exactly one wins
            created = await insert_new(s, ConversationRow.__table__, _columns(values),
                                       ["tenant_id", "conversation_id"])
        if not created:
            raise ApiError(409, "ConflictError", f"conversation {conversation_id!r} already exists in tenant "
                           f"{tenant!r}", field="conversation_id")
        return ConversationRow(**values)

    async def note_messages(self, counts: dict[tuple[str, str], int]) -> None:
        """Count new messages, creating the conversations the client never created explicitly."""
        now = utcnow()
        table = ConversationRow.__table__
        async with self.sessions.begin() as s:
            dialect = s.bind.dialect.name if s.bind is not None else "sqlite"
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            for (tenant, cid), n in counts.items():  # insert or add, in one statement (concurrent first messages)
                stmt = insert(table).values(tenant_id=tenant, conversation_id=cid, title=None, metadata={},
                                            created_at=now, updated_at=now, message_count=n)
                await s.execute(stmt.on_conflict_do_update(
                    index_elements=["tenant_id", "conversation_id"],
                    set_={"message_count": table.c.message_count + stmt.excluded.message_count, "updated_at": now}))

    async def get(self, tenants: list[str] | None, conversation_id: str, tenant: str | None = None,
                  hidden: Select[Any] | None = None) -> ConversationRow | None:
        """One conversation by id among `tenants` (None: all) but `hidden` ones; ambiguous ids need `tenant`."""
        stmt = select(ConversationRow).where(ConversationRow.conversation_id == conversation_id)
        if tenant is not None:
            stmt = stmt.where(ConversationRow.tenant_id == tenant)
        if tenants is not None:
            stmt = stmt.where(ConversationRow.tenant_id.in_(tenants))
        if hidden is not None:
            stmt = stmt.where(ConversationRow.tenant_id.not_in(hidden))
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

    async def of_tenant(self, tenant: str) -> Sequence[ConversationRow]:
        """Every conversation of a tenant (for a user's export), oldest first."""
        async with self.sessions() as s:
            return list((await s.execute(select(ConversationRow).where(ConversationRow.tenant_id == tenant)
                                         .order_by(ConversationRow.created_at, ConversationRow.conversation_id)))
                        .scalars())

    async def delete_tenant(self, tenant: str) -> int:
        async with self.sessions.begin() as s:
            return int((await s.execute(delete(ConversationRow).where(ConversationRow.tenant_id == tenant)))
                       .rowcount)  # type: ignore[attr-defined]
