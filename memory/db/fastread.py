"""Plain sqlite3 reads for the hot paths: a search's rows and a scope's labels.

Through SQLAlchemy's async layer a statement costs ~0.45 ms here (four thread hops, statement
building and caching, result wrapping), more than the simple indexed queries a search or a save
needs: measured at 100k memories, a search spent ~3.5 ms of its own time there. This read-only
connection answers those queries for the common scopes (tenant, cube, user, session, kind; expired
memories left out) in one hop to its own worker thread each. Values go through the models' own SQLAlchemy type
processors, so both paths compare and read the same stored formats. Other filters, and databases
other than a SQLite file, keep the SQLAlchemy path (`FastReader.open` returns None for those).

WAL mode lets this connection read while the engine writes; each query sees every committed write.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

import numpy as np
from sqlalchemy.engine import Dialect, make_url

from memory.db.fastwrite import bind_processor
from memory.db.models import MemoryRow
from memory.types import Kind, MemoryFilter

_TABLE = MemoryRow.__table__
# (attribute name, column name) of every column but the vector
_COLUMNS = [(a.key, a.columns[0].name) for a in MemoryRow.__mapper__.column_attrs if a.key != "embedding"]
_SELECT = "SELECT " + ", ".join(f'"{name}"' for _, name in _COLUMNS) + "{extra} FROM memories"
_SCOPE = ("tenant", "cube", "user_id", "session_id")
T = TypeVar("T")


class FastRow:
    """One memories row from the fast path, read like MemoryRow: a value is converted when it is read,
    so ranking many candidates parses only the columns ranking needs. Each reader makes a subclass
    with one property per column (memory.db.fastread.row_class): a property costs a tenth of a
    `__getattr__` fallback, and ranking reads a few columns of ~50 rows per search."""

    __slots__ = ("_raw",)

    def __init__(self, raw: tuple[Any, ...]) -> None:
        self._raw = raw


def _column(pos: int, proc: Callable[[Any], Any] | None) -> property:
    if proc is None:
        return property(lambda row: row._raw[pos])

    def get(row: FastRow) -> Any:
        value = row._raw[pos]
        return None if value is None else proc(value)
    return property(get)


def row_class(positions: dict[str, int], procs: Sequence[Callable[[Any], Any] | None]) -> type[FastRow]:
    """A FastRow subclass whose properties convert with these result processors (no `embedding`:
    the vectors come back beside the rows)."""
    props = {name: _column(pos, procs[pos]) for name, pos in positions.items() if name != "embedding"}
    return type("FastMemoryRow", (FastRow,), {"__slots__": (), **props})


class FastReader:
    def __init__(self, conn: sqlite3.Connection, dialect: Dialect) -> None:
        self._conn = conn
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="omoide-read")
        self.positions = {key: i for i, (key, _) in enumerate(_COLUMNS)}
        self.positions["embedding"] = len(_COLUMNS)  # selected only by rows_after
        self.result_procs: list[Callable[[Any], Any] | None] = [
            *(_TABLE.c[name].type.dialect_impl(dialect).result_processor(dialect, None) for _, name in _COLUMNS), None]
        self._bind_time = bind_processor(_TABLE.c.expires_at, dialect) or (lambda v: v)
        self._row = row_class(self.positions, self.result_procs)

    @staticmethod
    def _by_labels(count: int, where: str, *, vectors: bool) -> str:
        """SELECT of `count` labels' rows passing `where` (with their vectors if asked)."""
        marks = ", ".join("?" * count)
        return f"{_SELECT.format(extra=', embedding' if vectors else '')} WHERE label IN ({marks}) AND {where}"

    @classmethod
    async def open(cls, url: str, dialect: Dialect) -> FastReader | None:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
            return None
        conn = sqlite3.connect(parsed.database, timeout=30, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA query_only=ON")
        return cls(conn, dialect)

    async def close(self) -> None:
        await self._run(self._conn.close)
        self._pool.shutdown()

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def _fetch(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql, params).fetchall()

    @staticmethod
    def handles(f: MemoryFilter) -> bool:
        """Filters this path answers: one cube, optionally narrowed by user, session or kind."""
        return f.tenant is not None and f.cube is not None and all(
            v is None for v in (f.tiers, f.tags, f.content_type, f.emotions, f.created_after, f.created_before,
                                f.min_importance, f.ids))

    def _where(self, f: MemoryFilter, now: datetime | None, indexed: bool) -> tuple[str, list[Any]]:
        # `+column` keeps SQLite on the label index when the query is by label (see store.by_labels)
        prefix = "" if indexed else "+"
        clauses, params = [], []
        for column in _SCOPE:
            value = getattr(f, column)
            if value is not None:
                clauses.append(f"{prefix}{column} = ?")
                params.append(value)
        if f.kind is not None:
            clauses.append(f"{prefix}kind = ?")
            params.append(Kind(f.kind).value)
        if now is not None:
            clauses.append("(expires_at IS NULL OR expires_at > ?)")
            params.append(self._bind_time(now))
        return " AND ".join(clauses), params

    async def labels(self, f: MemoryFilter, now: datetime, limit: int | None = None) -> np.ndarray:
        """Labels of the unexpired memories in the filter's scope."""
        return await self.labels_then(f, now, limit, lambda labels: labels)

    async def labels_then(self, f: MemoryFilter, now: datetime, limit: int | None,
                          then: Callable[[np.ndarray], T]) -> T:
        """`then(labels)` of the scope's labels, run in the same job on this reader's thread (e.g. the
        exact search over them: one hop instead of two)."""
        where, params = self._where(f, now, indexed=True)
        sql = f"SELECT label FROM memories WHERE {where}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"

        def job() -> T:
            rows = self._fetch(sql, params)
            return then(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))
        return await self._run(job)

    async def rows(self, labels: Sequence[int], f: MemoryFilter, now: datetime) -> list[FastRow]:
        """The rows of these labels that pass the filter and have not expired."""
        if not labels:
            return []
        where, params = self._where(f, now, indexed=False)
        sql = self._by_labels(len(labels), where, vectors=False)
        return [self._row(r) for r in await self._run(self._fetch, sql, [*labels, *params])]

    async def rows_after(self, pick: Callable[[], tuple[Sequence[int], T]], f: MemoryFilter, now: datetime,
                         ) -> tuple[T, list[FastRow], dict[int, np.ndarray]]:
        """Run `pick` (e.g. a nearest-neighbour search) and read the rows of the labels it returns, with
        their stored vectors, in one job on this reader's thread: (what pick returned beside the
        labels, the rows, label -> float32 vector)."""
        where, params = self._where(f, now, indexed=False)
        label_at, vector_at = self.positions["label"], self.positions["embedding"]

        def job() -> tuple[T, list[tuple[Any, ...]], dict[int, np.ndarray]]:
            labels, payload = pick()
            if not labels:
                return payload, [], {}
            raw = self._fetch(self._by_labels(len(labels), where, vectors=True), [*labels, *params])
            return payload, raw, {r[label_at]: np.frombuffer(r[vector_at], dtype=np.float32) for r in raw}

        payload, rows, vectors = await self._run(job)
        return payload, [self._row(r) for r in rows], vectors
