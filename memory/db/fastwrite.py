"""A save's statements sent to SQLite in one hop to a writer thread, not one per statement.

A save writes a few rows (the memory, its history row, its lexical document, the cube's generation).
Through SQLAlchemy's async layer each statement cost ~0.45 ms here (four thread hops, statement
building, result wrapping): more than SQLite's own work. Here they are collected as `Statements` and
run together:

`transaction` runs BEGIN IMMEDIATE, the statements and COMMIT in one hop, on a plain `sqlite3`
connection of our own, used only by one worker thread (as memory.db.fastread does for reads), with
the engine's pragmas (no session at all: the session's begin, connection and commit took ~1 ms of a
save). Between calls it holds no transaction, so other connections never wait on it; callers hold
the store's write lock. Every write of memory.store.sqlite goes this way (saves, updates, deletes,
recall counts, decay).

Values go through the tables' own SQLAlchemy type processors, so what is stored is exactly what the
ORM would store.

WAL checkpoints run on the same thread after a transaction has returned, not inside its COMMIT: SQLite's
automatic checkpoint (every 1,000 WAL pages) made a 256-turn save's COMMIT wait ~45 ms in a 30k cube (the
row indexes dirty ~800 pages per batch), time the caller's next batch can use for its text analysis. The
automatic one stays on, at a higher mark, as the bound on the WAL should writes come too fast for it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlalchemy.engine import Dialect

from memory.db.models import Base, CubeRow, HistoryRow, MemoryRow
from memory.db.session import set_pragmas
from memory.store.base import MemoryRecord

log = logging.getLogger(__name__)


def bind_processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """SQLAlchemy's own conversion of a Python value to what `column` stores (None: stored as is)."""
    return column.type.dialect_impl(dialect).bind_processor(dialect)


class _Insert:
    """INSERT for one mapped class: (column name, attribute name, bind processor) per column."""

    def __init__(self, model: type[Base], dialect: Dialect) -> None:
        table = model.__table__
        attrs = {a.columns[0].name: a.key for a in model.__mapper__.column_attrs}
        self.columns: list[tuple[str, str, Callable[[Any], Any] | None]] = [
            (c.name, attrs[c.name], bind_processor(c, dialect))
            for c in table.columns if not (c.primary_key and c.autoincrement is True)]
        names = ", ".join(f'"{name}"' for name, _, _ in self.columns)
        self.sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(self.columns))})"

    def params(self, obj: object) -> tuple[Any, ...]:
        out = []
        for _, attr, proc in self.columns:
            value = getattr(obj, attr)
            out.append(proc(value) if proc is not None and value is not None else value)
        return tuple(out)


Statements = list[tuple[str, list[tuple[Any, ...]]]]  # (SQL, rows of parameters), run in order


class FastWrites:
    def __init__(self, path: str, synchronous: str, dialect: Dialect) -> None:
        self.memories, self.history = _Insert(MemoryRow, dialect), _Insert(HistoryRow, dialect)
        self._memory_time = bind_processor(MemoryRow.__table__.c.updated_at, dialect)
        self._cube_created = bind_processor(CubeRow.__table__.c.created_at, dialect)
        self._accessed_at = bind_processor(MemoryRow.__table__.c.last_accessed_at, dialect)
        self._path, self._synchronous = path, synchronous
        # held between calls (a connect costs more than a save's statements); opened, used and closed
        # only on the pool's one thread
        self._conn: sqlite3.Connection | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="omoide-write")
        self._unchecked = 0  # rows written since the last checkpoint (an estimate of the WAL's growth)

    def insert(self, out: Statements, ins: _Insert, objs: Sequence[object]) -> None:
        """INSERT objects with the model's attributes (records of memory.store.base: same names)."""
        if objs:
            out.append((ins.sql, [ins.params(o) for o in objs]))

    def update_memory(self, out: Statements, record: MemoryRecord, *, with_vector: bool) -> None:
        """Rewrite every column of a stored memory (the vector only `with_vector`), found by its id."""
        cols = [c for c in self.memories.columns if c[0] != "id" and (with_vector or c[0] != "embedding")]
        sets = ", ".join('"' + name + '" = ?' for name, _, _ in cols)
        sql = f"UPDATE memories SET {sets} WHERE id = ?"
        values = []
        for _, attr, proc in cols:
            value = getattr(record, attr)
            values.append(proc(value) if proc is not None and value is not None else value)
        out.append((sql, [(*values, record.id)]))

    def time(self, value: datetime | None) -> Any:
        """A datetime as the memories table stores it."""
        if value is None or self._memory_time is None:
            return value
        return self._memory_time(value)

    def set_generation(self, out: Statements, cube: tuple[str, str], generation: int, now: datetime) -> None:
        """Upsert a cube's generation counter (memory.index.manager compares it at start)."""
        created = self._cube_created(now) if self._cube_created else now
        out.append((_CUBE_UPSERT, [(*cube, generation, created)]))

    def record_access(self, out: Statements, seen: dict[str, tuple[datetime, int]]) -> None:
        """Last access time and added count per memory id (search hits, flushed in batches)."""
        at = self._accessed_at or (lambda v: v)
        out.append((_ACCESS_UPDATE, [(at(when), times, memory_id) for memory_id, (when, times) in seen.items()]))

    async def transaction(self, statements: Statements) -> None:
        """Run the statements as one transaction of their own (BEGIN IMMEDIATE ... COMMIT; on any error
        nothing is kept and the next call starts on a fresh connection), in one hop. Call under the
        writer's lock."""
        if statements:
            await asyncio.get_running_loop().run_in_executor(self._pool, self._transaction, statements)
            self._unchecked += sum(len(rows) for _, rows in statements)
            if self._unchecked >= CHECKPOINT_ROWS:
                self._unchecked = 0
                # on the writer thread before any later transaction; nobody waits for it
                self._pool.submit(self._checkpoint)

    def _checkpoint(self) -> None:
        """Copy the WAL's committed pages into the database file (PASSIVE: never waits for readers)."""
        if self._conn is not None:
            try:
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:  # the automatic checkpoint and the next one cover it
                log.warning("background WAL checkpoint failed", exc_info=True)

    def _transaction(self, statements: Statements) -> None:
        if self._conn is None:
            self._conn = self._connect()
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            for sql, rows in statements:
                conn.executemany(sql, rows)
            conn.execute("COMMIT")
        except BaseException:
            self._drop()  # closing a connection rolls back its open transaction
            raise

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: the module opens no transactions of its own, BEGIN IMMEDIATE says when
        conn = sqlite3.connect(self._path, timeout=30, isolation_level=None)
        set_pragmas(conn, self._synchronous)
        conn.execute(f"PRAGMA wal_autocheckpoint={AUTO_CHECKPOINT_PAGES}")
        return conn

    def _drop(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._pool, self._drop)
        self._pool.shutdown()


CHECKPOINT_ROWS = 200  # rows written before a background checkpoint: a few hundred WAL pages
AUTO_CHECKPOINT_PAGES = 8000  # SQLite's own checkpoint inside a COMMIT, only if the WAL reaches 32 MB

_ACCESS_UPDATE = "UPDATE memories SET last_accessed_at = ?, access_count = access_count + ? WHERE id = ?"
_CUBE_UPSERT = ("INSERT INTO cubes (tenant, cube, generation, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (tenant, cube) DO UPDATE SET generation = excluded.generation")
