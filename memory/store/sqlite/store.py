"""SqliteStore: the embedded store (one SQLite file in WAL mode, the HNSW index files beside it).

Every write is one transaction sent in one hop to a writer thread of its own (memory.db.fastwrite);
hot reads go through a read-only connection of its own (memory.db.fastread); the SQLAlchemy engine
creates the schema and answers the cold reads (memory.store.sqlite.reads). The database is the truth:
indexes change only after a commit, and each cube's generation counter (bumped in the same
transaction as its vectors) lets the next start catch a stale index file up.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from memory.clock import Clock, SystemClock
from memory.db.fastread import FastReader
from memory.db.fastwrite import FastWrites, Statements
from memory.db.session import create_engine, create_schema, make_sessionmaker
from memory.errors import ValidationError
from memory.index import lexical
from memory.index.manager import IndexManager
from memory.index.postings import DocRow
from memory.options import EngineOptions
from memory.store.base import (
    CubeIndexStats,
    CubeKey,
    HistoryEntry,
    MemoryChange,
    PoolStats,
    StoreStats,
    WriteBatch,
)
from memory.store.sqlite.filters import compile_filter
from memory.store.sqlite.reads import SqliteReads
from memory.store.sqlite.search import SqliteSearch
from memory.types import MemoryFilter

log = logging.getLogger(__name__)
DELETE_CHUNK = 500
KEYS_CHUNK = 900  # bound parameters per query, well under SQLite's limit
Adds = dict[CubeKey, list[tuple[int, np.ndarray]]]


class SqliteStore(SqliteReads, SqliteSearch):
    """Open with `await SqliteStore.open(url, options, dim=..., model_id=...)` (or memory.store.factory)."""

    def __init__(self, db: AsyncEngine, path: str, options: EngineOptions, dim: int, model_id: str,
                 clock: Clock | None = None) -> None:
        self.db = db
        self.clock: Clock = clock or SystemClock()
        self.options = options
        self.dim = dim
        self.reader = FastReader.open(path, db.dialect)
        self.fast = FastWrites(path, options.sqlite_synchronous, db.dialect)
        self._lock = asyncio.Lock()
        self.next_label = 1
        self.generations: dict[CubeKey, int] = {}
        self.indexes = IndexManager(options.index_dir, dim, model_id, options.hnsw,
                                    self._stored_vectors, self._alive_labels, self._cube_documents)
        SqliteReads.__init__(self, make_sessionmaker(db), self.reader)
        SqliteSearch.__init__(self, options, self.indexes, self.reader)

    @classmethod
    async def open(cls, url: str, options: EngineOptions, *, dim: int, model_id: str,
                   clock: Clock | None = None) -> SqliteStore:
        parsed = make_url(url)
        if not parsed.database or parsed.database == ":memory:":
            raise ValidationError("SQLite needs a database file (an in-memory database is not shared "
                                  "between the store's connections)", field="DATABASE_URL")
        db = create_engine(url, synchronous=options.sqlite_synchronous)
        try:
            await create_schema(db)
            self = cls(db, parsed.database, options, dim, model_id, clock)
        except BaseException:
            await db.dispose()
            raise
        try:
            await self._load_counters()
        except BaseException:
            await self.close()
            raise
        return self

    async def _load_counters(self) -> None:
        meta = await self.get_meta("next_label")
        (top,), = await self.reader.fetch("SELECT max(label) FROM memories")
        self.next_label = max(int(meta) if meta else 1, (top or 0) + 1)
        for tenant, cube, gen in await self.reader.fetch("SELECT tenant, cube, generation FROM cubes"):
            self.generations[(tenant, cube)] = gen

    async def prepare(self) -> dict[str, int]:
        outcome: dict[str, int] = {}
        cubes = await self.reader.fetch("SELECT tenant, cube, generation FROM cubes")
        for tenant, cube, generation in cubes:
            what = await self.indexes.open_cube(tenant, cube, generation)
            outcome[what] = outcome.get(what, 0) + 1
        if cubes:
            log.info("indexes ready: %s", outcome)
        return outcome

    async def close(self) -> None:
        await self.reader.close()
        await self.fast.close()
        await self.db.dispose()

    async def persist(self) -> int:
        saved = 0
        async with self._lock:  # file and generation agree
            for tenant, cube in self.indexes.cubes():
                saved += await self.indexes.save(tenant, cube)
        return saved

    async def rebuild_indexes(self) -> int:
        cubes = await self.reader.fetch("SELECT tenant, cube FROM cubes")
        async with self._lock:
            for tenant, cube in cubes:
                await self.indexes.rebuild(tenant, cube, self.generations.get((tenant, cube), 0))
                await self.indexes.save(tenant, cube)
        return len(cubes)

    async def compact(self, deleted_share: float) -> list[str]:
        rebuilt: list[str] = []
        for tenant, cube in self.indexes.cubes():
            state = self.indexes.get(tenant, cube)
            if state is None or state.index.total == state.index.alive:
                continue
            share = state.index.deleted_share
            if share < deleted_share:
                continue
            index = await self.indexes.build(tenant, cube)  # the slow part, while reads and writes go on
            async with self._lock:
                generation = self.generations.get((tenant, cube), state.generation)
                await self.indexes.install(tenant, cube, index, generation)
            rebuilt.append(f"{tenant}/{cube}")
            log.info("index %s/%s rebuilt: %.0f%% of its entries were deleted", tenant, cube, 100 * share)
            await asyncio.sleep(0)
        return rebuilt

    def writing(self, *cubes: CubeKey) -> AbstractAsyncContextManager[None]:
        return self._lock  # one process owns the file (the data dir's lock): its lock covers every cube

    # -- bookkeeping ---------------------------------------------------------------------------------
    async def get_meta(self, key: str) -> str | None:
        """Through the SQLAlchemy pool (a readiness check asks this: a lost database file shows here)."""
        async with self.sessions() as s:
            value = (await s.execute(text("SELECT value FROM engine_meta WHERE key = :k"), {"k": key})).scalar()
        return None if value is None else str(value)

    async def set_meta(self, key: str, value: str) -> None:
        await self.fast.transaction([(_META_UPSERT, [(key, value)])])

    async def has_memories(self) -> bool:
        return bool(await self.reader.fetch("SELECT 1 FROM memories LIMIT 1"))

    async def cubes(self) -> list[CubeKey]:
        return self.indexes.cubes()

    def generation(self, tenant: str, cube: str) -> int:
        return self.generations.get((tenant, cube), 0)

    def stats_now(self) -> StoreStats:
        cubes = [CubeIndexStats(t, c, s.index.alive, s.index.total)
                 for t, c in self.indexes.cubes() if (s := self.indexes.get(t, c)) is not None]
        pool: Any = self.db.pool
        counts = PoolStats(pool.size(), pool.checkedout(), pool.overflow()) if hasattr(pool, "checkedout") else None
        return StoreStats(cubes, counts)

    # -- writes (under `writing()`) -----------------------------------------------------------------
    def _take_label(self) -> int:
        label, self.next_label = self.next_label, self.next_label + 1
        return label

    def _bump(self, st: Statements, cubes: set[CubeKey], now: datetime, *, freed_labels: bool = False
              ) -> dict[CubeKey, int]:
        """Advance the cubes' generation counters (memory.index.manager compares them at start). The next
        label is stored only when labels leave the table: otherwise the largest stored label says it."""
        new: dict[CubeKey, int] = {}
        for key in cubes:
            new[key] = self.generations.get(key, 0) + 1
            self.fast.set_generation(st, key, new[key], now)
        if freed_labels:
            st.append((_META_UPSERT, [("next_label", str(self.next_label))]))
        return new

    def _apply_index(self, new_gens: dict[CubeKey, int], adds: Adds, removes: dict[CubeKey, list[int]],
                     lex_adds: dict[CubeKey, list[DocRow]]) -> None:
        """After a commit: the indexes follow the database (never the other way round)."""
        for key in set(removes) | set(lex_adds):
            self.indexes.lexical_changed(*key, lex_adds.get(key, []), removes.get(key, []))
        for key, gen in new_gens.items():
            self.generations[key] = gen
            state = self.indexes.get(*key) or self.indexes.create(*key, generation=gen)
            try:
                if removes.get(key):
                    state.index.delete(removes[key])
                if adds.get(key):
                    labels = np.array([a[0] for a in adds[key]], dtype=np.int64)
                    state.index.add(labels, np.vstack([a[1] for a in adds[key]]))
                state.generation = gen
            except Exception:  # the next start catches the index up from the database
                log.exception("index update failed for %s/%s; it will be caught up at restart", *key)

    async def write(self, batch: WriteBatch) -> None:
        """The new vectors go into the HNSW indexes on a worker thread (hnswlib releases the GIL) while
        the rows' text analysis finishes (`batch.ready`) and the transaction runs: with vectors given,
        the insert cost the rest of the batch's time after it. A label in the index before its row
        commits is dropped by searches as a deleted one is; if the write fails, the labels are deleted
        from the index again."""
        assert batch.now is not None
        st: Statements = []
        adds: Adds = defaultdict(list)
        for n in batch.new:
            r = n.record
            r.label, r.embedding = self._take_label(), np.asarray(n.vector, dtype=np.float32).tobytes()
            adds[(r.tenant, r.cube)].append((r.label, n.vector))
        for key in adds:  # on this thread: searches list the cubes here
            self.indexes.get(*key) or self.indexes.create(*key, generation=self.generations.get(key, 0))
        indexing = asyncio.ensure_future(asyncio.to_thread(self._add_vectors, adds)) if adds else None
        committing = False
        try:
            if batch.ready is not None:
                await batch.ready()
            docs = [(n.record, n.terms) for n in batch.new]
            self.fast.insert(st, self.fast.memories, [n.record for n in batch.new])
            self.fast.insert(st, self.fast.history, batch.history)
            lex_adds = _by_cube(docs, lexical.add_documents(docs, st))
            if batch.reinforced:
                st.append((_REINFORCE, [(r.importance, r.reinforce_count, self.fast.time(r.updated_at),
                                         self.fast.time(r.expires_at), r.id) for r in batch.reinforced]))
            new_gens = self._bump(st, set(adds), batch.now)
            committing = True
            await self.fast.transaction(st)
        except BaseException as exc:
            if indexing is not None:
                await asyncio.shield(indexing)
                if not committing or isinstance(exc, Exception):  # cancelled while committing: it may land
                    await self._unindex(adds)
            raise
        if indexing is not None:  # searchable when the save returns
            await indexing
        self._apply_index(new_gens, {}, {}, lex_adds)

    async def _unindex(self, adds: Adds) -> None:
        """A failed write's labels out of the index again."""
        for key, rows in adds.items():
            if (state := self.indexes.get(*key)) is not None:
                state.index.delete(label for label, _ in rows)
        # the index file may keep them as deleted: a later start must not give them again
        await self.fast.transaction([(_META_UPSERT, [("next_label", str(self.next_label))])])

    def _add_vectors(self, adds: Adds) -> None:
        """The new labels' vectors into their cubes' indexes."""
        for key, rows in adds.items():
            state = self.indexes.get(*key)
            assert state is not None
            try:
                state.index.add(np.array([label for label, _ in rows], dtype=np.int64), np.vstack([v for _, v in rows]))
            except Exception:  # the next start catches the index up from the database
                log.exception("index update failed for %s/%s; it will be caught up at restart", *key)

    async def turn_words(self, tenant: str, cube: str, keys: Sequence[int]) -> set[tuple[str | None, int]]:
        found: set[tuple[str | None, int]] = set()
        unique = sorted(set(keys))
        for start in range(0, len(unique), KEYS_CHUNK):  # from ix_memories_words alone
            chunk = unique[start:start + KEYS_CHUNK]
            found.update(await self.reader.fetch(
                f"SELECT user_id, words_key FROM memories WHERE tenant = ? AND cube = ? "
                f"AND words_key IN ({', '.join('?' * len(chunk))})", [tenant, cube, *chunk]))
        return found

    async def update(self, change: MemoryChange) -> None:
        r = change.record
        key = (r.tenant, r.cube)
        st: Statements = []
        adds: Adds = {}
        removes: dict[CubeKey, list[int]] = {}
        lex_adds: dict[CubeKey, list[DocRow]] = {}
        if change.vector is not None:
            old = r.label
            r.label, r.embedding = self._take_label(), np.asarray(change.vector, dtype=np.float32).tobytes()
            lexical.remove_documents([old], st)
            lex_adds = _by_cube([(r, change.terms or "")], lexical.add_documents([(r, change.terms or "")], st))
            removes[key], adds[key] = [old], [(r.label, change.vector)]
        self.fast.update_memory(st, r, with_vector=change.vector is not None)
        self.fast.insert(st, self.fast.history, [change.history])
        new_gens = self._bump(st, set(adds), change.history.at, freed_labels=True) if adds else {}
        await self.fast.transaction(st)
        self._apply_index(new_gens, adds, removes, lex_adds)

    async def delete(self, f: MemoryFilter, *, now: datetime | None, actor: str | None, at: datetime
                     ) -> list[str]:
        where, params = compile_filter(f, now=now)
        rows = await self.reader.fetch("SELECT id, label, tenant, cube, user_id, kind, tier FROM memories "
                                       f"WHERE {where or '1'}", params)
        if not rows:
            return []
        st: Statements = []
        for start in range(0, len(rows), DELETE_CHUNK):
            chunk = rows[start:start + DELETE_CHUNK]
            marks = ", ".join("?" * len(chunk))
            st.append((f"DELETE FROM memories WHERE id IN ({marks})", [tuple(r[0] for r in chunk)]))
        lexical.remove_documents([r[1] for r in rows], st)
        self.fast.insert(st, self.fast.history, [
            HistoryEntry(r[0], r[2], r[3], r[4], "delete", actor, at, {"kind": r[5], "tier": r[6]}) for r in rows])
        removes: dict[CubeKey, list[int]] = defaultdict(list)
        for r in rows:
            removes[(r[2], r[3])].append(r[1])
        new_gens = self._bump(st, set(removes), at, freed_labels=True)
        await self.fast.transaction(st)
        self._apply_index(new_gens, {}, removes, {})
        return [r[0] for r in rows]

    async def erase_history(self, *, tenant: str | None, user_id: str | None, note: HistoryEntry) -> None:
        if user_id is None and tenant is None:
            raise ValueError("erase_history needs a tenant or a user")
        scope = {"tenant": tenant, "user_id": user_id}
        named = [(column, value) for column, value in scope.items() if value is not None]
        st: Statements = [("DELETE FROM memory_history WHERE " + " AND ".join(f"{c} = ?" for c, _ in named),
                           [tuple(v for _, v in named)])]
        self.fast.insert(st, self.fast.history, [note])
        await self.fast.transaction(st)

    async def record_access(self, seen: dict[str, tuple[datetime, int]]) -> None:
        st: Statements = []
        self.fast.record_access(st, seen)
        await self.fast.transaction(st)

    async def set_vectors(self, vectors: Sequence[tuple[str, np.ndarray]], model_id: str, dim: int) -> None:
        await self.fast.transaction([(_SET_VECTOR, [
            (np.asarray(v, dtype=np.float32).tobytes(), model_id, dim, memory_id) for memory_id, v in vectors])])

    async def apply_importance(self, decayed: Sequence[tuple[str, float]], boosted: Sequence[str], *,
                               floor: float, boost: float, meta: tuple[str, str]) -> None:
        st: Statements = []
        if decayed:
            st.append((_DECAY, [(floor, floor, factor, memory_id) for memory_id, factor in decayed]))
        if boosted:
            st.append((_BOOST, [(boost, memory_id) for memory_id in boosted]))
        st.append((_META_UPSERT, [meta]))
        await self.fast.transaction(st)


def _by_cube(docs: Sequence[tuple[Any, str]], stored: list[DocRow]) -> dict[CubeKey, list[DocRow]]:
    """What add_documents stored, grouped by the cube of the record each came from."""
    out: dict[CubeKey, list[DocRow]] = defaultdict(list)
    for (row, _), doc in zip(docs, stored, strict=True):
        out[(row.tenant, row.cube)].append(doc)
    return out


_META_UPSERT = ("INSERT INTO engine_meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
_REINFORCE = ("UPDATE memories SET importance = ?, reinforce_count = ?, updated_at = ?, expires_at = ? "
              "WHERE id = ?")
_SET_VECTOR = "UPDATE memories SET embedding = ?, embedding_model = ?, embedding_dim = ? WHERE id = ?"
_DECAY = "UPDATE memories SET importance = ? + (importance - ?) * ? WHERE id = ?"
_BOOST = "UPDATE memories SET importance = min(1.0, importance + (1.0 - importance) * ?) WHERE id = ?"
