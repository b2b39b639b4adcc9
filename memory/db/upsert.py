"""One-statement insert-or-update and insert-if-new for SQLite and PostgreSQL (both speak ON CONFLICT)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def upsert(session: AsyncSession, table: Table, values: dict[str, Any], keys: list[str],
                 update: list[str]) -> None:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update})
    await session.execute(stmt)


async def insert_new(session: AsyncSession, table: Table, values: dict[str, Any], keys: list[str]) -> bool:
    """Insert unless a row with the same keys exists (then leave it); True when this call inserted.

    One statement, so concurrent callers never race between a check and an insert.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await session.execute(insert(table).values(**values).on_conflict_do_nothing(index_elements=keys))
    return bool(result.rowcount)  # type: ignore[attr-defined]
