"""PostgresStore: the MemoryStore for PostgreSQL 16+ with pgvector (DATABASE_URL=postgresql+asyncpg://...).

Everything a search or a write needs lives in the database (vectors in HNSW indexes, lexical terms in
a GIN-indexed tsvector, labels from a sequence), so any number of processes can share one store. Each
write is one transaction; reads are retried with backoff when a connection drops. The schema is made
by the migrations (`python -m bot db upgrade`); at open this store only checks it and creates the HNSW
index of its embedding dimension.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any, TypeVar, cast

import numpy as np
from sqlalchemy import exc, select, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from memory.clock import Clock
from memory.db.migrate import upgrade
from memory.errors import StoreUnavailableError
from memory.growth import memories_per_day
from memory.options import EngineOptions
from memory.people import CubeUsers, cube_users
from memory.store.base import (
    CubeKey,
    EmotionRows,
    HistoryEntry,
    ImportanceRow,
    MemoryChange,
    MemoryRecord,
    PoolStats,
    StoredRow,
    StoreStats,
    WriteBatch,
)
from memory.store.candidates import CandidateQuery, CandidateSet
from memory.store.postgres import lexical, reads, search, stats, vectors, writes
from memory.store.postgres.connect import (
    create_engine,
    explain_connect_error,
    parse_url,
    retrying,
)
from memory.store.postgres.tables import LABEL_SEQUENCE, cubes, engine_meta, memories
from memory.store.postgres.write_lock import cube_locks
from memory.tenants import first_actors, tenants_with_cubes
from memory.types import CubeStats, MemoryFilter

T = TypeVar("T")
REQUIRED_TABLES = ("memories", "memory_history", "cubes", "engine_meta", "memory_lexical")


class PostgresStore:
    def __init__(self, db: AsyncEngine, writer: AsyncEngine, dim: int, model_id: str) -> None:
        self.db = db  # reads: retried when their connection drops
        self._autocommit = db.execution_options(isolation_level="AUTOCOMMIT")  # same pool
        self._sizes = search.ScopeSizes()
        self._full_vector_graphs: frozenset[int] = frozenset()  # dims still on a database's earlier graph
        # writes: not retried (a commit may have happened), so each checks its connection first instead:
        # after a server restart the first write still lands; writes are serialised, two connections do
        self._writer = writer
        self.dim = dim
        self.model_id = model_id
        self._lock = asyncio.Lock()  # this process's writes, one at a time (the interface's `writing`)
        self._generations: dict[CubeKey, int] = {}
        self.exact_max = EngineOptions().exact_search_max  # scopes this small are searched exactly

    # -- lifecycle -------------------------------------------------------------------------------------
    @classmethod
    async def open(cls, url: str, options: EngineOptions | None = None, *, dim: int, model_id: str,
                   clock: Clock | None = None) -> PostgresStore:
        """Connect, upgrade and check the schema, create the HNSW index of `dim`; a clear error when any of it fails.
        (`clock` is unused: every time this store compares comes from its callers.)"""
        parsed = parse_url(url)
        await _migrate(url, parsed)  # before the store's engines: their connections need the `vector` type
        db = create_engine(url)
        store = cls(db, create_engine(url, pool_size=2, pre_ping=True), dim, model_id)
        if options is not None:
            store.exact_max = options.exact_search_max
        try:
            async with db.begin() as conn:
                await check_schema(conn)
                await vectors.ensure_indexes(conn, [dim, *await vectors.stored_dims(conn)])
                store._full_vector_graphs = await vectors.full_vector_graphs(conn)
            await store.cubes()
        except StoreUnavailableError:
            await store.close()
            raise
        except (OSError, exc.DBAPIError, exc.InterfaceError, ValueError, TimeoutError) as e:
            await store.close()
            raise explain_connect_error(parsed, e) from e
        return store

    async def prepare(self) -> dict[str, int]:
        return {}  # nothing lives beside the tables

    async def close(self) -> None:
        await self.db.dispose()
        await self._writer.dispose()

    async def persist(self) -> int:
        return 0

    async def rebuild_indexes(self) -> int:
        async with self.db.connect() as conn:
            dims = await vectors.stored_dims(conn)
            await conn.commit()
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            for dim in dims:
                await vectors.rebuild_graph(conn, dim)
            self._full_vector_graphs = await vectors.full_vector_graphs(conn)
        return len(await self.cubes())

    async def compact(self, deleted_share: float) -> list[str]:
        return []  # PostgreSQL's vacuum repairs HNSW graphs after deletes

    @asynccontextmanager
    async def writing(self, *cubes_: CubeKey) -> AsyncIterator[None]:
        """This process's lock, then the cubes' advisory locks (other processes: write_lock.py)."""
        async with self._lock, cube_locks(self._writer, cubes_):
            yield

    # -- helpers ---------------------------------------------------------------------------------------
    async def _read(self, fn: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """A read on an autocommit connection (no BEGIN or ROLLBACK round trips), retried if it drops."""
        async def once() -> T:
            async with self._autocommit.connect() as conn:
                return await fn(conn)
        return await retrying(once)

    async def _read_in_transaction(self, fn: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """A read that needs a transaction (SET LOCAL), retried if its connection drops."""
        async def once() -> T:
            async with self.db.begin() as conn:
                return await fn(conn)
        return await retrying(once)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self._writer.begin() as conn:
            yield conn

    def _generations_now(self, new: dict[CubeKey, int]) -> None:
        self._generations.update(new)
        self._sizes.grew(new)

    # -- engine bookkeeping ----------------------------------------------------------------------------
    async def get_meta(self, key: str) -> str | None:
        return await self._read(lambda conn: _scalar(conn, select(engine_meta.c.value).where(engine_meta.c.key == key)))

    async def set_meta(self, key: str, value: str) -> None:
        async with self._transaction() as conn:
            await writes.set_meta(conn, key, value)

    async def has_memories(self) -> bool:
        return await self._read(lambda conn: _scalar(conn, select(memories.c.id).limit(1))) is not None

    async def cubes(self) -> list[CubeKey]:
        async def read(conn: AsyncConnection) -> list[tuple[str, str, int]]:
            return [(t, c, int(g)) for t, c, g in await conn.execute(
                select(cubes.c.tenant, cubes.c.cube, cubes.c.generation))]
        rows = await self._read(read)
        self._generations.update({(t, c): g for t, c, g in rows})
        return [(t, c) for t, c, _ in rows]

    def generation(self, tenant: str, cube: str) -> int:
        return self._generations.get((tenant, cube), 0)

    def stats_now(self) -> StoreStats:
        pool: Any = self.db.pool
        return StoreStats(cubes=[], pool=PoolStats(size=int(pool.size()), checked_out=int(pool.checkedout()),
                                                   overflow=max(0, int(pool.overflow()))))

    # -- writes ----------------------------------------------------------------------------------------
    async def write(self, batch: WriteBatch) -> None:
        if batch.ready is not None:  # before the transaction: it is not held open meanwhile
            await batch.ready()
        async with self._transaction() as conn:
            new = await writes.write(conn, batch)
        self._generations_now(new)

    async def update(self, change: MemoryChange) -> None:
        async with self._transaction() as conn:
            new = await writes.change(conn, change)
        self._generations_now(new)

    async def delete(self, f: MemoryFilter, *, now: datetime | None, actor: str | None, at: datetime) -> list[str]:
        async with self._transaction() as conn:
            ids, new = await writes.delete_matching(conn, f, now, actor, at)
        self._sizes.forget()
        self._generations_now(new)
        return ids

    async def erase_history(self, *, tenant: str | None, user_id: str | None, note: HistoryEntry) -> None:
        async with self._transaction() as conn:
            await writes.erase_history(conn, tenant, user_id, note)

    async def record_access(self, seen: dict[str, tuple[datetime, int]]) -> None:
        async with self._transaction() as conn:
            await writes.record_access(conn, seen)

    async def set_vectors(self, vectors_: Sequence[tuple[str, np.ndarray]], model_id: str, dim: int) -> None:
        async with self._transaction() as conn:
            await writes.set_vectors(conn, vectors_, model_id, dim)
            await vectors.ensure_indexes(conn, [dim])

    async def apply_importance(self, decayed: Sequence[tuple[str, float]], boosted: Sequence[str], *,
                               floor: float, boost: float, meta: tuple[str, str]) -> None:
        async with self._transaction() as conn:
            await writes.apply_importance(conn, decayed, boosted, floor, boost, meta)

    # -- reads -----------------------------------------------------------------------------------------
    async def get(self, memory_id: str) -> MemoryRecord | None:
        return await self._read(lambda conn: reads.get(conn, memory_id))

    async def records(self, *, after_label: int, limit: int, f: MemoryFilter | None = None,
                      now: datetime | None = None, with_vectors: bool = False) -> list[MemoryRecord]:
        return await self._read(lambda conn: reads.records(conn, after_label, limit, f, now, with_vectors))

    async def rows(self, labels: Sequence[int], f: MemoryFilter, now: datetime) -> list[StoredRow]:
        return cast(list[StoredRow], await self._read(lambda conn: reads.rows_by_label(conn, labels, f, now)))

    async def page(self, f: MemoryFilter, now: datetime, limit: int, offset: int, *, after: str | None = None,
                   before: str | None = None) -> tuple[list[StoredRow], int]:
        rows, total = await self._read(lambda conn: reads.page(conn, f, now, limit, offset, after, before))
        return cast(list[StoredRow], rows), total

    async def resolve_ids(self, f: MemoryFilter, id_prefix: str, now: datetime, limit: int) -> list[str]:
        return await self._read(lambda conn: reads.resolve_ids(conn, f, id_prefix, now, limit))

    async def expired_ids(self, now: datetime) -> list[str]:
        return await self._read(lambda conn: reads.expired_ids(conn, now))

    async def idle_working(self, cutoff: datetime) -> tuple[list[str], int]:
        return await self._read(lambda conn: reads.idle_working(conn, cutoff))

    async def importance_rows(self, floor: float, recalled_since: datetime | None) -> list[ImportanceRow]:
        return await self._read(lambda conn: reads.importance_rows(conn, floor, recalled_since))

    async def previous_turns(self, tenant: str, cube: str, session_id: str, before: datetime, limit: int,
                             label: int | None = None) -> list[MemoryRecord]:
        return await self._read(lambda conn: reads.previous_turns(conn, tenant, cube, session_id, before, limit,
                                                                  label))

    async def history(self, memory_id: str) -> list[HistoryEntry]:
        return await self._read(lambda conn: reads.history_of(conn, memory_id))

    async def cube_stats(self, tenant: str, cube: str, now: datetime) -> CubeStats:
        return await self._read(lambda conn: stats.cube_stats(conn, tenant, cube, now))

    async def emotion_rows(self, tenant: str, cube: str, now: datetime, user_id: str | None) -> EmotionRows:
        return await self._read(lambda conn: stats.emotion_rows(conn, tenant, cube, now, user_id))

    async def memories_per_day(self, tenant: str, cube: str, user_id: str | None) -> list[tuple[date, int]]:
        return await self._read(lambda conn: memories_per_day(conn, tenant, cube, user_id, postgres=True))

    async def cube_users(self, tenant: str, cube: str, now: datetime, *, limit: int, offset: int,
                         platform: str | None) -> CubeUsers:
        return await self._read(lambda conn: cube_users(conn, tenant, cube, now, limit=limit, offset=offset,
                                                        platform=platform))

    async def tenants(self, only: Sequence[str] | None) -> set[str]:
        return await self._read(lambda conn: tenants_with_cubes(conn, only))

    async def first_actors(self, tenants: Sequence[str], prefixes: Sequence[str]
                           ) -> dict[str, tuple[datetime, str]]:
        return await self._read(lambda conn: first_actors(conn, tenants, prefixes))

    # -- search candidates -----------------------------------------------------------------------------
    @property
    def full_vector_graphs(self) -> frozenset[int]:
        """Dimensions searched through a database's earlier full-vector graph (vectors.full_vector_graphs)."""
        return self._full_vector_graphs

    async def candidates(self, q: CandidateQuery) -> CandidateSet:
        return await search.candidates(self._read, q, self.exact_max, self._sizes, self._full_vector_graphs)

    async def nearest(self, f: MemoryFilter, queries: np.ndarray, k: int, now: datetime
                      ) -> list[list[tuple[int, float]]]:
        async def read(conn: AsyncConnection) -> list[list[tuple[int, float]]]:
            small, rows = await search.scope_size(conn, f, now, self.exact_max)  # as candidates() decides
            return await vectors.nearest_many(conn, np.asarray(queries, dtype=np.float32), f, now, k, exact=small,
                                              table_rows=rows,
                                              full_vector_graph=queries.shape[-1] in self._full_vector_graphs)
        return await self._read_in_transaction(read)

    async def turn_words(self, tenant: str, cube: str, keys: Sequence[int]) -> set[tuple[str | None, int]]:
        c = memories.c
        query = select(c.user_id, c.words_key).where(c.tenant == tenant, c.cube == cube,
                                                      c.words_key.in_(sorted(set(keys))))

        async def read(conn: AsyncConnection) -> set[tuple[str | None, int]]:
            return {(user_id, int(key)) for user_id, key in await conn.execute(query)}
        return await self._read(read)

    async def lexical(self, f: MemoryFilter, text: str, n: int, now: datetime) -> list[int]:
        return await self._read(lambda conn: lexical.search(conn, text, f, now, n))

    async def warm(self, tenant: str, cube: str) -> None:
        await self._read(lambda conn: _scalar(conn, select(memories.c.label).limit(1)))


async def check_schema(conn: AsyncConnection) -> None:
    """The migrations' tables and label sequence are there, or an error saying to run them."""
    names = set((await conn.execute(text(
        "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
        "AND relname = ANY(:names)"), {"names": [*REQUIRED_TABLES, LABEL_SEQUENCE]})).scalars())
    missing = [n for n in (*REQUIRED_TABLES, LABEL_SEQUENCE) if n not in names]
    if missing:
        raise StoreUnavailableError(
            f"DATABASE_URL: the database has no Omoide schema yet (missing {', '.join(missing)}): "
            "run `python -m bot db upgrade`", field="DATABASE_URL")


async def _scalar(conn: AsyncConnection, stmt: Any) -> Any:
    return (await conn.execute(stmt)).scalar_one_or_none()


async def _migrate(url: str, parsed: URL) -> None:
    """This release's schema, under an advisory lock (memory.db.migrate), on a plain engine of its own: a
    new database has no `vector` extension yet, which the store's connections register on connect."""
    plain = create_async_engine(url)
    try:
        await upgrade(plain)
    except (OSError, exc.DBAPIError, exc.InterfaceError, ValueError, TimeoutError) as e:
        raise explain_connect_error(parsed, e) from e
    finally:
        await plain.dispose()
