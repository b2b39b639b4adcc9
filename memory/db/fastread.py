"""Plain sqlite3 reads for the hot paths: a search's rows and a scope's labels.

Through SQLAlchemy's async layer a statement costs ~0.45 ms here (four thread hops, statement
building and caching, result wrapping), more than the simple indexed queries a search or a save
needs: measured at 100k memories, a search spent ~3.5 ms of its own time there. This read-only
connection answers those queries (any filter, compiled by memory.store.sqlite.filters; expired
memories left out) in one hop to its own worker thread each, or with no hop at all for a job a caller
runs `inline` (on the event loop's thread: a small job, memory.search_one). Values go through the models'
own SQLAlchemy type processors, so it reads the stored formats exactly as the ORM would.

Each thread that reads gets its own read-only connection (the reader's thread, and the event loop's for
inline jobs): WAL mode lets them read while the engine writes; each query sees every committed write.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar, cast

import numpy as np
from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect

from memory.db.models import MemoryRow
from memory.db.rows import raw_row_to_memory
from memory.store.base import StoredRow
from memory.store.sqlite.filters import compile_filter
from memory.types import Memory, MemoryFilter

_TABLE = MemoryRow.__table__
# (attribute name, column name) of every column but the vector
_COLUMNS = [(a.key, a.columns[0].name) for a in MemoryRow.__mapper__.column_attrs if a.key != "embedding"]
_SELECT = "SELECT " + ", ".join(f'"{name}"' for _, name in _COLUMNS) + "{extra} FROM memories"
_RANK_COLUMNS = ("label", "importance", "created_at")  # what ranking reads of every candidate (memory.hits)
_RANK_SELECT = "SELECT " + ", ".join(f'"{dict(_COLUMNS)[key]}"' for key in _RANK_COLUMNS) + ", embedding FROM memories"
# what a hit's Memory is read from (memory.db.rows.raw_row_to_memory): not the columns only writes use
_WRITES_ONLY = ("embedding_model", "embedding_dim", "words_key")
_MEMORY_COLUMNS = [(key, name) for key, name in _COLUMNS if key not in _WRITES_ONLY]
_MEMORY_SELECT = "SELECT " + ", ".join(f'"{name}"' for _, name in _MEMORY_COLUMNS) + " FROM memories"
_NAMED = re.compile(r":(\w+)")  # a named parameter of memory.store.sqlite.filters' conditions
T = TypeVar("T")
R = TypeVar("R")


def _utc_datetime(stored: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A stored time ("YYYY-MM-DD HH:MM:SS.ffffff", UTC) as an aware UTC datetime: the value SQLAlchemy's
    processor `stored` reads, made aware as memory.clock.as_utc would; any other format goes to `stored`."""
    def parse(value: Any) -> Any:
        try:
            return datetime.fromisoformat(value + "+00:00")
        except (TypeError, ValueError):
            return stored(value)
    return parse


def _vectors(labels: list[int], blobs: list[bytes]) -> dict[int, np.ndarray]:
    """label -> stored float32 vector: rows of one array made from the joined blobs (a third of the cost
    of one np.frombuffer each, the same values), or one array each when their sizes differ."""
    joined = b"".join(blobs)
    if not blobs or not blobs[0] or len(joined) != len(blobs) * len(blobs[0]):
        return {label: np.frombuffer(blob, dtype=np.float32) for label, blob in zip(labels, blobs, strict=True)}
    return dict(zip(labels, np.frombuffer(joined, dtype=np.float32).reshape(len(blobs), -1), strict=True))


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


def row_class(positions: dict[str, int], procs: Sequence[Callable[[Any], Any] | None], *, whole: bool = True
              ) -> type[FastRow]:
    """A FastRow subclass whose properties convert with these result processors (no `embedding`:
    the vectors come back beside the rows). Only a `whole` row (every column) converts to a Memory."""
    props = {name: _column(pos, procs[pos]) for name, pos in positions.items() if name != "embedding"}
    if not whole:
        return type("FastRankRow", (FastRow,), {"__slots__": (), **props})
    memory = raw_row_to_memory(positions, procs)

    def to_memory(row: FastRow) -> Memory:
        """The public Memory of this row (memory.db.rows.row_to_memory calls it)."""
        return memory(row._raw)
    return type("FastMemoryRow", (FastRow,), {"__slots__": (), "to_memory": to_memory, **props})


class FastReader:
    def __init__(self, path: str, dialect: Dialect) -> None:
        self._path = path
        self._local = threading.local()  # .conn: this thread's connection
        self._conns: list[sqlite3.Connection] = []
        self._opening = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="omoide-read")
        self._beside = ThreadPoolExecutor(max_workers=1, thread_name_prefix="omoide-read-beside")
        self.positions = {key: i for i, (key, _) in enumerate(_COLUMNS)}
        self.positions["embedding"] = len(_COLUMNS)  # selected only by rows_after
        self.result_procs: list[Callable[[Any], Any] | None] = [
            *(_TABLE.c[name].type.dialect_impl(dialect).result_processor(dialect, None) for _, name in _COLUMNS), None]
        self._row = row_class(self.positions, self.result_procs)
        # the hits' Memory objects (ranked_after): their times parsed straight to aware UTC datetimes, which
        # memory.clock.as_utc keeps as they are; SQLAlchemy's naive parse and as_utc's replace cost 3.6x as much
        # (from _MEMORY_COLUMNS: ~6 us less for a search's 10 rows)
        self._memory_at = {key: i for i, (key, _) in enumerate(_MEMORY_COLUMNS)}
        procs = [self.result_procs[self.positions[key]] for key, _ in _MEMORY_COLUMNS]
        self._memory = raw_row_to_memory(self._memory_at, [
            _utc_datetime(proc) if proc is not None and isinstance(_TABLE.c[name].type, DateTime) else proc
            for proc, (_, name) in zip(procs, _MEMORY_COLUMNS, strict=True)])
        # what ranking reads of a candidate (memory.hits), its vector last: ranked_after reads only these
        at = [self.positions[key] for key in _RANK_COLUMNS]
        self._rank_row = row_class({key: i for i, key in enumerate(_RANK_COLUMNS)},
                                   [*(self.result_procs[i] for i in at), None], whole=False)

    @staticmethod
    def _by_labels(labels: Sequence[int], where: str, params: list[Any], *, vectors: bool = False,
                   select: str | None = None) -> tuple[str, list[Any]]:
        """SELECT of these labels' rows passing `where` (with their vectors if asked; `select`: other columns)."""
        marks = ", ".join("?" * len(labels))
        sql = f"{select or _SELECT.format(extra=', embedding' if vectors else '')} WHERE label IN ({marks})"
        return (f"{sql} AND {where}" if where else sql), [*labels, *params]

    @classmethod
    def open(cls, path: str, dialect: Dialect) -> FastReader:
        """A reader of the SQLite file at `path` (checked readable now; connections open per thread)."""
        reader = cls(path, dialect)
        reader._here()
        return reader

    def _here(self) -> sqlite3.Connection:
        """The calling thread's read-only connection, opened on its first read."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, timeout=30, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA query_only=ON")
            self._local.conn = conn
            with self._opening:
                self._conns.append(conn)
        return conn

    async def close(self) -> None:
        self._pool.shutdown()
        self._beside.shutdown()
        with self._opening:
            for conn in self._conns:
                conn.close()
            self._conns.clear()

    def beside(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Run `fn` on this reader's second thread, e.g. from a job on its first while that job waits
        in C code that releases the GIL (memory.search_one: BM25 beside hnswlib's search)."""
        return self._beside.submit(fn, *args)

    async def _run(self, fn: Callable[..., T], *args: Any, inline: bool = False) -> T:
        """`fn(*args)` on this reader's thread, or right here with this thread's connection if `inline`
        (the same job without the two hand-offs: memory.search_one says when a job is small enough)."""
        if inline:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def _fetch(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> list[tuple[Any, ...]]:
        return self._here().execute(sql, params).fetchall()

    async def fetch(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
        """Any read, raw values (one hop to this reader's thread)."""
        return await self._run(self._fetch, sql, params)

    def row(self, raw: tuple[Any, ...]) -> StoredRow:
        """A row read with `select_rows`'s columns, its values converted when read."""
        return cast(StoredRow, self._row(raw))

    @staticmethod
    def select_rows(where: str, *, vectors: bool = False) -> str:
        """SELECT of every memories column (and the vector last, if asked) WHERE `where`."""
        return f"{_SELECT.format(extra=', embedding' if vectors else '')} WHERE {where}"

    @staticmethod
    def handles(f: MemoryFilter) -> bool:
        """Filters the one-cube fast search (memory.search_one) answers: one cube, optionally narrowed by
        user, session or kind (every read here answers any filter)."""
        return f.tenant is not None and f.cube is not None and all(
            v is None for v in (f.tiers, f.tags, f.content_type, f.emotions, f.created_after, f.created_before,
                                f.min_importance, f.ids))

    @staticmethod
    def _where(f: MemoryFilter, now: datetime | None, indexed: bool) -> tuple[str, list[Any]]:
        """The filter's condition with `?` for its named parameters, and their values in that order: sqlite3
        binds positions faster than names (~6 us less a search's query of ~26 labels)."""
        where, params = compile_filter(f, now=now, indexed=indexed)
        return _NAMED.sub("?", where), [params[name] for name in _NAMED.findall(where)]

    async def labels(self, f: MemoryFilter, now: datetime, limit: int | None = None, *, inline: bool = False
                     ) -> np.ndarray:
        """Labels of the unexpired memories in the filter's scope."""
        return await self.labels_then(f, now, limit, lambda labels: labels, inline=inline)

    async def labels_then(self, f: MemoryFilter, now: datetime, limit: int | None,
                          then: Callable[[np.ndarray], T], *, inline: bool = False) -> T:
        """`then(labels)` of the scope's labels, run in the same job on this reader's thread (e.g. the
        exact search over them: one hop instead of two)."""
        where, params = self._where(f, now, indexed=True)
        sql = f"SELECT label FROM memories WHERE {where or '1'}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"

        def job() -> T:
            rows = self._fetch(sql, params)
            return then(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))
        return await self._run(job, inline=inline)

    async def rows(self, labels: Sequence[int], f: MemoryFilter, now: datetime) -> list[StoredRow]:
        """The rows of these labels that pass the filter and have not expired."""
        if not labels:
            return []
        where, params = self._where(f, now, indexed=False)
        sql, bound = self._by_labels(labels, where, params, vectors=False)
        return [self.row(r) for r in await self._run(self._fetch, sql, bound)]

    async def passing(self, labels: Sequence[int], f: MemoryFilter, now: datetime) -> set[int]:
        """Which of these labels the filter selects (e.g. over-fetched nearest neighbours of a filtered scope)."""
        if not labels:
            return set()
        where, params = self._where(f, now, indexed=False)
        sql = f"SELECT label FROM memories WHERE label IN ({', '.join('?' * len(labels))}) AND {where or '1'}"
        rows = await self._run(self._fetch, sql, [*labels, *params])
        return {r[0] for r in rows}

    async def rows_after(self, pick: Callable[[], tuple[Sequence[int], T]], f: MemoryFilter, now: datetime, *,
                         inline: bool = False) -> tuple[T, list[StoredRow], dict[int, np.ndarray]]:
        """Run `pick` (e.g. a nearest-neighbour search) and read the rows of the labels it returns, with
        their stored vectors, in one job on this reader's thread: (what pick returned beside the
        labels, the rows, label -> float32 vector)."""
        where, params = self._where(f, now, indexed=False)
        label_at, vector_at = self.positions["label"], self.positions["embedding"]

        def job() -> tuple[T, list[tuple[Any, ...]], dict[int, np.ndarray]]:
            labels, payload = pick()
            if not labels:
                return payload, [], {}
            raw = self._fetch(*self._by_labels(labels, where, params, vectors=True))
            return payload, raw, {r[label_at]: np.frombuffer(r[vector_at], dtype=np.float32) for r in raw}

        payload, rows, vectors = await self._run(job, inline=inline)
        return payload, [self.row(r) for r in rows], vectors

    async def ranked_after(self, pick: Callable[[], tuple[Sequence[int], T]], f: MemoryFilter, now: datetime,
                           rank: Callable[[T, list[StoredRow], dict[int, np.ndarray],
                                           Callable[[Sequence[int]], dict[int, Memory]]], R], *,
                           inline: bool = False) -> R:
        """`rows_after` that ranks too, in the same job: the rows of the labels `pick` returns with only the
        columns ranking reads (and their vectors), then `rank(payload, rows, label -> vector, memories)`,
        where `memories(labels)` reads those rows whole (the Memory objects a search returns). A search
        reads ~26 candidates to return 10: measured at 5.9k, the whole rows cost ~25 us more CPU than
        these columns and the 10 returned rows."""
        where, params = self._where(f, now, indexed=False)

        def memories(labels: Sequence[int]) -> dict[int, Memory]:
            raw = self._fetch(*self._by_labels(labels, where, params, select=_MEMORY_SELECT)) if labels else []
            label_at = self._memory_at["label"]
            return {r[label_at]: self._memory(r) for r in raw}

        def job() -> R:
            labels, payload = pick()
            raw = self._fetch(*self._by_labels(labels, where, params, select=_RANK_SELECT)) if labels else []
            rows = [cast(StoredRow, self._rank_row(r)) for r in raw]
            vector_at = len(_RANK_COLUMNS)  # label first, the vector last
            return rank(payload, rows, _vectors([r[0] for r in raw], [r[vector_at] for r in raw]), memories)

        return await self._run(job, inline=inline)
