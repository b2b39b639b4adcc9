"""Reads from PostgreSQL: records and rows by id, label or filter, pages, history, and what the lifecycle
jobs read (expired, idle working memory, importance). Every function takes a connection; the store
runs each in a retried read (memory.store.postgres.connect.retrying)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from memory.clock import as_utc
from memory.store.base import HistoryEntry, ImportanceRow, MemoryRecord
from memory.store.postgres.filters import filter_clauses
from memory.store.postgres.records import HISTORY_COLUMNS, RECORD_COLUMNS, VECTOR_COLUMN, to_history, to_record
from memory.store.postgres.tables import RECALLED_AT, ROW_COLUMNS, history, memories
from memory.types import Kind, MemoryFilter, Tier

c = memories.c


async def get(conn: AsyncConnection, memory_id: str) -> MemoryRecord | None:
    row = (await conn.execute(select(*RECORD_COLUMNS).where(c.id == memory_id))).first()
    return None if row is None else to_record(row)


async def records(conn: AsyncConnection, after_label: int, limit: int, f: MemoryFilter | None,
                  now: datetime | None, with_vectors: bool) -> list[MemoryRecord]:
    columns = (*RECORD_COLUMNS, VECTOR_COLUMN) if with_vectors else RECORD_COLUMNS
    where = filter_clauses(f or MemoryFilter(), now=now)
    rows = await conn.execute(select(*columns).where(c.label > after_label, *where).order_by(c.label).limit(limit))
    return [to_record(r) for r in rows]


async def rows_by_label(conn: AsyncConnection, labels: Sequence[int], f: MemoryFilter, now: datetime,
                        with_vectors: bool = False) -> list[Row[Any]]:
    if not labels:
        return []
    columns = (*ROW_COLUMNS, VECTOR_COLUMN) if with_vectors else ROW_COLUMNS
    return list(await conn.execute(select(*columns).where(c.label.in_(list(labels)),
                                                          *filter_clauses(f, now=now))))


async def page(conn: AsyncConnection, f: MemoryFilter, now: datetime, limit: int, offset: int,
               after: str | None = None, before: str | None = None) -> tuple[list[Row[Any]], int]:
    """Newest first; `after` / `before` a memory id: a seek to the rows just older / newer (the store's page)."""
    where = filter_clauses(f, now=now)
    total = int((await conn.execute(select(func.count()).select_from(memories).where(*where))).scalar_one())
    order = (c.created_at.desc(), c.label.desc())
    if after is not None or before is not None:
        found = (await conn.execute(select(c.created_at, c.label).where(
            c.id == (after if after is not None else before)))).first()
        if found is None:
            return [], total
        at, label = found
        if after is not None:
            where = [*where, c.created_at <= at, or_(c.created_at < at, c.label < label)]
        else:
            where = [*where, c.created_at >= at, or_(c.created_at > at, c.label > label)]
            order = (c.created_at.asc(), c.label.asc())
    rows = list(await conn.execute(select(*ROW_COLUMNS).where(*where).order_by(*order).limit(limit).offset(offset)))
    return (rows[::-1] if before is not None and after is None else rows), total


async def resolve_ids(conn: AsyncConnection, f: MemoryFilter, prefix: str, now: datetime, limit: int) -> list[str]:
    stmt = select(c.id).where(c.id.startswith(prefix, autoescape=True), *filter_clauses(f, now=now)).limit(limit)
    return list((await conn.execute(stmt)).scalars())


async def expired_ids(conn: AsyncConnection, now: datetime) -> list[str]:
    return list((await conn.execute(select(c.id).where(c.expires_at <= now))).scalars())


def _latest(times: Sequence[datetime | None]) -> datetime:
    return max(t for t in (as_utc(x) for x in times) if t is not None)


async def idle_working(conn: AsyncConnection, cutoff: datetime) -> tuple[list[str], int]:
    """Working memories of sessions idle since `cutoff` (memory.lifecycle's rule), and how many sessions."""
    working = c.tier == Tier.WORKING.value
    with_working = select(c.session_id).where(working, c.session_id.is_not(None))
    activity = (await conn.execute(
        select(c.tenant, c.session_id, func.max(c.created_at), func.max(c.updated_at), func.max(RECALLED_AT))
        .where(c.session_id.in_(with_working)).group_by(c.tenant, c.session_id))).all()
    idle = {(t, sid) for t, sid, *times in activity if _latest(times) <= cutoff}
    rows = (await conn.execute(select(c.id, c.tenant, c.session_id, c.created_at, c.updated_at,
                                      RECALLED_AT.label("last_accessed_at"))
                               .where(working, c.created_at <= cutoff))).all()
    ids = [r.id for r in rows
           if ((r.tenant, r.session_id) in idle if r.session_id is not None
               else _latest([r.created_at, r.updated_at, r.last_accessed_at]) <= cutoff)]
    return ids, len(idle)


async def importance_rows(conn: AsyncConnection, floor: float, recalled_since: datetime | None
                          ) -> list[ImportanceRow]:
    recalled = RECALLED_AT > recalled_since if recalled_since else RECALLED_AT.is_not(None)
    rows = await conn.execute(select(c.id, c.importance, c.created_at, c.updated_at,
                                     RECALLED_AT.label("last_accessed_at"))
                              .where(or_(c.importance > floor, recalled)))
    return [ImportanceRow(r.id, float(r.importance), r.created_at, r.updated_at, r.last_accessed_at) for r in rows]


async def previous_turns(conn: AsyncConnection, tenant: str, cube: str, session_id: str, before: datetime,
                         limit: int, label: int | None) -> list[MemoryRecord]:
    earlier = c.created_at <= before if label is None else or_(
        c.created_at < before, and_(c.created_at == before, c.label < label))
    rows = await conn.execute(select(*RECORD_COLUMNS).where(
        c.tenant == tenant, c.cube == cube, c.session_id == session_id, c.kind == Kind.TURN.value, earlier)
        .order_by(c.created_at.desc(), c.label.desc()).limit(limit))
    return [to_record(r) for r in rows]


async def history_of(conn: AsyncConnection, memory_id: str) -> list[HistoryEntry]:
    rows = await conn.execute(select(*HISTORY_COLUMNS).where(history.c.memory_id == memory_id)
                              .order_by(history.c.id))
    return [to_history(r) for r in rows]
