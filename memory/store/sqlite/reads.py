"""SqliteStore's reads: rows and records through the plain read-only connection (memory.db.fastread),
aggregates (stats, tenants, history, decay and idle reads) through SQLAlchemy sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from memory.clock import Clock, as_utc
from memory.db.fastread import FastReader
from memory.db.models import HistoryRow, MemoryRow
from memory.growth import memories_per_day
from memory.index import lexical
from memory.index.postings import DocRow
from memory.people import CubeUsers, cube_users
from memory.stats import cube_stats
from memory.store.base import EmotionRows, HistoryEntry, ImportanceRow, MemoryRecord, StoredRow
from memory.store.sqlite.filters import bind_time, compile_filter, not_expired
from memory.tenants import first_actors, tenants_with_cubes
from memory.types import CubeStats, Kind, MemoryFilter, Tier

_RECORD_FIELDS = tuple(MemoryRecord.__dataclass_fields__)
LABELS_CHUNK = 5000


def record_of(row: StoredRow, embedding: bytes | None = None) -> MemoryRecord:
    values = {name: getattr(row, name) for name in _RECORD_FIELDS if name != "embedding"}
    return MemoryRecord(**values, embedding=embedding)


class SqliteReads:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], reader: FastReader) -> None:
        self.sessions = sessions
        self.reader = reader

    async def _records(self, where: str, params: dict[str, Any], tail: str = "", *, vectors: bool = False
                       ) -> list[MemoryRecord]:
        raw = await self.reader.fetch(self.reader.select_rows(where or "1", vectors=vectors) + tail, params)
        at = self.reader.positions["embedding"]
        return [record_of(self.reader.row(r), r[at] if vectors else None) for r in raw]

    async def get(self, memory_id: str) -> MemoryRecord | None:
        found = await self._records("memories.id = :id", {"id": memory_id})
        return found[0] if found else None

    async def records(self, *, after_label: int, limit: int, f: MemoryFilter | None = None,
                      now: datetime | None = None, with_vectors: bool = False) -> list[MemoryRecord]:
        where, params = compile_filter(f or MemoryFilter(), now=now)
        where = " AND ".join(x for x in ("memories.label > :after", where) if x)
        return await self._records(where, {**params, "after": after_label}, f" ORDER BY label LIMIT {int(limit)}",
                                   vectors=with_vectors)

    async def rows(self, labels: Sequence[int], f: MemoryFilter, now: datetime) -> list[StoredRow]:
        return await self.reader.rows(labels, f, now)

    async def page(self, f: MemoryFilter, now: datetime, limit: int, offset: int, *, after: str | None = None,
                   before: str | None = None) -> tuple[list[StoredRow], int]:
        where, params = compile_filter(f, now=now)
        (total,), = await self.reader.fetch(f"SELECT count(*) FROM memories WHERE {where or '1'}", params)
        order = "DESC"
        if after is not None or before is not None:
            found = await self.reader.fetch("SELECT created_at, label FROM memories WHERE id = :id",
                                            {"id": after if after is not None else before})
            if not found:
                return [], int(total)
            # written out rather than as a row value, so the (tenant, cube, created_at) index seeks to it
            op, order = ("<", "DESC") if after is not None else (">", "ASC")
            seek = (f"memories.created_at {op}= :seek_at AND "
                    f"(memories.created_at {op} :seek_at OR memories.label {op} :seek_label)")
            where = " AND ".join(x for x in (where, seek) if x)
            params = {**params, "seek_at": found[0][0], "seek_label": found[0][1]}
        raw = await self.reader.fetch(self.reader.select_rows(where or "1") +
                                      f" ORDER BY created_at {order}, label {order} LIMIT {int(limit)} "
                                      f"OFFSET {int(offset)}", params)
        rows = [self.reader.row(r) for r in raw]
        return (rows[::-1] if order == "ASC" else rows), int(total)

    async def resolve_ids(self, f: MemoryFilter, id_prefix: str, now: datetime, limit: int) -> list[str]:
        where, params = compile_filter(f, now=now)
        escaped = id_prefix.replace("/", "//").replace("%", "/%").replace("_", "/_")
        rows = await self.reader.fetch(f"SELECT id FROM memories WHERE id LIKE :prefix ESCAPE '/' AND {where or '1'} "
                                       f"LIMIT {int(limit)}", {**params, "prefix": escaped + "%"})
        return [r[0] for r in rows]

    async def expired_ids(self, now: datetime) -> list[str]:
        return [r[0] for r in await self.reader.fetch("SELECT id FROM memories WHERE expires_at <= ?",
                                                      (bind_time(now),))]

    async def idle_working(self, cutoff: datetime) -> tuple[list[str], int]:
        working = MemoryRow.tier == Tier.WORKING.value
        async with self.sessions() as s:
            with_working = select(MemoryRow.session_id).where(working, MemoryRow.session_id.is_not(None))
            activity = (await s.execute(
                select(MemoryRow.tenant, MemoryRow.session_id, func.max(MemoryRow.created_at),
                       func.max(MemoryRow.updated_at), func.max(MemoryRow.last_accessed_at))
                .where(MemoryRow.session_id.in_(with_working))
                .group_by(MemoryRow.tenant, MemoryRow.session_id))).all()
            idle = {(t, sid) for t, sid, *times in activity if _latest(times) <= cutoff}
            rows = (await s.execute(select(MemoryRow.id, MemoryRow.tenant, MemoryRow.session_id,
                                           MemoryRow.created_at, MemoryRow.updated_at, MemoryRow.last_accessed_at)
                                    .where(working, MemoryRow.created_at <= cutoff))).all()
        ids = [r.id for r in rows
               if ((r.tenant, r.session_id) in idle if r.session_id is not None
                   else _latest([r.created_at, r.updated_at, r.last_accessed_at]) <= cutoff)]
        return ids, len(idle)

    async def importance_rows(self, floor: float, recalled_since: datetime | None) -> list[ImportanceRow]:
        recalled = (MemoryRow.last_accessed_at > recalled_since if recalled_since
                    else MemoryRow.last_accessed_at.is_not(None))
        async with self.sessions() as s:
            rows = (await s.execute(select(MemoryRow.id, MemoryRow.importance, MemoryRow.created_at,
                                           MemoryRow.updated_at, MemoryRow.last_accessed_at)
                                    .where(or_(MemoryRow.importance > floor, recalled)))).all()
        return [ImportanceRow(r.id, r.importance, as_utc(r.created_at), as_utc(r.updated_at),
                              as_utc(r.last_accessed_at)) for r in rows]

    async def previous_turns(self, tenant: str, cube: str, session_id: str, before: datetime, limit: int,
                             label: int | None = None) -> list[MemoryRecord]:
        earlier = ("memories.created_at <= :before" if label is None else
                   "(memories.created_at < :before OR (memories.created_at = :before AND memories.label < :label))")
        where = ("memories.tenant = :t AND memories.cube = :c AND memories.session_id = :s "
                 f"AND memories.kind = :k AND {earlier}")
        params = {"t": tenant, "c": cube, "s": session_id, "k": Kind.TURN.value, "before": bind_time(before),
                  "label": label}
        return await self._records(where, params, f" ORDER BY created_at DESC, label DESC LIMIT {int(limit)}")

    async def history(self, memory_id: str) -> list[HistoryEntry]:
        async with self.sessions() as s:
            rows = (await s.execute(select(HistoryRow).where(HistoryRow.memory_id == memory_id)
                                    .order_by(HistoryRow.id))).scalars().all()
        return [HistoryEntry(r.memory_id, r.tenant, r.cube, r.user_id, r.action, r.actor, r.at, r.changes)
                for r in rows]

    async def cube_stats(self, tenant: str, cube: str, now: datetime) -> CubeStats:
        async with self.sessions() as s:
            return await cube_stats(s, tenant, cube, now)

    async def memories_per_day(self, tenant: str, cube: str, user_id: str | None) -> list[tuple[date, int]]:
        async with self.sessions() as s:
            return await memories_per_day(s, tenant, cube, user_id)

    async def cube_users(self, tenant: str, cube: str, now: datetime, *, limit: int, offset: int,
                         platform: str | None) -> CubeUsers:
        async with self.sessions() as s:
            return await cube_users(s, tenant, cube, now, limit=limit, offset=offset, platform=platform)

    async def emotion_rows(self, tenant: str, cube: str, now: datetime, user_id: str | None) -> EmotionRows:
        user = "AND memories.user_id = :u " if user_id is not None else ""
        async with self.sessions() as s:
            rows = (await s.execute(
                text("SELECT date(memories.created_at) AS day, json_extract(j.value, '$[0]') AS emotion, "
                     "count(*) AS n FROM memories, json_each(memories.emotions) j "
                     "WHERE memories.tenant = :t AND memories.cube = :c " + user +
                     f"AND {not_expired(':now')} GROUP BY day, emotion"),
                {"t": tenant, "c": cube, "u": user_id, "now": bind_time(now)})).all()
        return [(date.fromisoformat(day), emotion, int(n)) for day, emotion, n in rows]

    async def tenants(self, only: Sequence[str] | None) -> set[str]:
        async with self.sessions() as s:
            return await tenants_with_cubes(s, only)

    async def first_actors(self, tenants: Sequence[str], prefixes: Sequence[str]) -> dict[str, tuple[datetime, str]]:
        async with self.sessions() as s:
            return await first_actors(s, tenants, prefixes)

    # -- what the index manager builds from -------------------------------------------------------------
    async def _stored_vectors(self, tenant: str, cube: str, labels: np.ndarray | None
                              ) -> tuple[np.ndarray, np.ndarray]:
        sql = "SELECT label, embedding FROM memories WHERE tenant = ? AND cube = ?"
        if labels is None:
            rows = await self.reader.fetch(sql + " ORDER BY label", (tenant, cube))
        else:
            rows = []
            wanted = labels.tolist()
            for start in range(0, len(wanted), LABELS_CHUNK):
                chunk = wanted[start:start + LABELS_CHUNK]
                rows += await self.reader.fetch(f"{sql} AND label IN ({', '.join('?' * len(chunk))})",
                                                (tenant, cube, *chunk))
            rows.sort(key=lambda r: r[0])
        dim = self.dim
        vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), dim)
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)), vecs

    async def _alive_labels(self, tenant: str, cube: str) -> np.ndarray:
        return await self.reader.labels(MemoryFilter(tenant=tenant, cube=cube), self.clock.now())

    async def _cube_documents(self, tenant: str, cube: str, after: int, limit: int) -> list[DocRow]:
        return await lexical.cube_documents(self.reader, tenant, cube, after, limit)

    dim: int  # set by the store
    clock: Clock


def _latest(times: list[datetime | None]) -> datetime:
    return max(as_utc(t) for t in times if t is not None)
