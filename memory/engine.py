"""MemoryEngine: the public async API the bot, the cogs and the HTTP API call.

Writes are serialised by one lock (none is lost) and committed before the index changes, so the
database is always the truth and an index can be caught up after a crash. Reads run concurrently.
Blocking work (embedding, emotion analysis, index search) runs off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from memory.access import AccessLog
from memory.clock import Clock, SystemClock, as_utc
from memory.db.fastread import FastReader
from memory.db.filters import filter_clauses
from memory.db.models import CubeRow, HistoryRow, MemoryRow
from memory.db.rows import row_to_memory
from memory.db.session import create_engine, create_schema, make_sessionmaker
from memory.embedding.base import Embedder
from memory.embedding.service import EmbeddingService
from memory.enrich import Enricher
from memory.errors import NotFoundError, ValidationError
from memory.file_modes import make_private
from memory.growth import memories_per_day
from memory.hits import HitRanker
from memory.index import lexical as lexical_index
from memory.index.manager import IndexManager
from memory.json_limits import check_json
from memory.model_record import check_model, stored_model
from memory.observe import NO_OBSERVER, Observer, OperationNote
from memory.options import EngineOptions
from memory.people import CubeUsers, cube_users
from memory.ranking import candidates
from memory.search import Candidate, Retriever, count
from memory.search_many import search_cubes
from memory.search_one import search_one_cube
from memory.stats import EmotionTimeline, cube_stats, emotion_timeline
from memory.tenants import first_actors, tenants_with_cubes
from memory.types import (
    BatchResult,
    CubeStats,
    Memory,
    MemoryFilter,
    MemoryInput,
    Page,
    SaveResult,
    Scope,
    SearchHit,
    Tier,
)
from memory.validation import (
    MAX_LIMIT,
    MAX_TOP_K,
    check_filter,
    check_range,
    enum_value,
    tags_field,
    text_field,
    unit_interval,
)
from memory.writes import Writer

log = logging.getLogger(__name__)


class MemoryEngine:
    """Open with `await MemoryEngine.open(options)`; close with `await engine.close()`."""

    def __init__(self, options: EngineOptions, embedder: Embedder, db: AsyncEngine,
                 sessions: async_sessionmaker[AsyncSession], clock: Clock | None = None) -> None:
        self.options = options
        self.clock: Clock = clock or SystemClock()  # every time the engine reads or stores comes from here
        self.embeddings = EmbeddingService(embedder, options.embedding_batch_size)
        self.db = db
        self.sessions = sessions
        self.enricher = Enricher()
        self.indexes = IndexManager(options.index_dir, embedder.dim, embedder.model_id, options.hnsw,
                                    self._stored_vectors, self._alive_labels, self._cube_documents)
        self.retriever = Retriever(options, self.indexes)
        self.turn_text = options.turn_text
        self.writer = Writer(self)
        self.access = AccessLog(self.writer)
        self.hits = HitRanker(options, self.retriever, embedder.model_id, embedder.dim)
        self.index_report: dict[str, int] = {}
        self.reader: FastReader | None = None  # the SQLite hot-path reads (memory.db.fastread)
        self.observer: Observer = NO_OBSERVER  # metrics and traces, when the process watches (memory.observe)

    # -- lifecycle --------------------------------------------------------------------------------
    @classmethod
    async def open(cls, options: EngineOptions, embedder: Embedder | None = None, *,
                   allow_model_change: bool = False, clock: Clock | None = None) -> MemoryEngine:
        """Create the schema, check the stored vectors' model, and load or rebuild every cube's index.
        `clock` (default: the wall clock) is what the engine reads the time from (memory.clock)."""
        if embedder is None:
            from memory.embedding.factory import create_embedder
            embedder = await asyncio.to_thread(create_embedder, options.embedding_model, options.embedding_backend,
                                               options.model_dir, options.embedding_threads)
        db = create_engine(options.url, synchronous=options.sqlite_synchronous)
        self = cls(options, embedder, db, make_sessionmaker(db), clock)
        try:
            await create_schema(db)
            self.reader = self.retriever.reader = await FastReader.open(options.url, db.dialect)
            await asyncio.to_thread(make_private, options.data_dir)  # the database and all beside it: owner-only
            await check_model(self.sessions, embedder.model_id, embedder.dim, allow_model_change)
            await self.writer.load_counters()
            if not allow_model_change:
                self.index_report = await self.open_indexes()
        except BaseException:  # refused (another model's vectors) or failed: leave no connection or thread open
            self.embeddings.close()
            await self._close_connections()
            raise
        return self

    async def open_indexes(self) -> dict[str, int]:
        async with self.sessions() as s:
            cubes = (await s.execute(select(CubeRow.tenant, CubeRow.cube, CubeRow.generation))).all()
        outcome: dict[str, int] = {}
        for tenant, cube, generation in cubes:
            what = await self.indexes.open_cube(tenant, cube, generation)
            outcome[what] = outcome.get(what, 0) + 1
        if cubes:
            log.info("indexes ready: %s", outcome)
        return outcome

    async def stored_model(self) -> str | None:
        """The model recorded for the stored vectors ("model|dims"), read through the engine's pool."""
        return await stored_model(self.sessions)

    async def close(self) -> None:
        await self.flush_access()
        await self.persist_indexes()
        self.embeddings.close()
        await self._close_connections()

    async def _close_connections(self) -> None:
        if self.reader is not None:
            await self.reader.close()
        if self.writer.fast is not None:
            await self.writer.fast.close()
        await self.db.dispose()

    def watch(self, observer: Observer) -> None:
        """Report operations, their phases and model calls to `observer` from now on."""
        self.observer = self.embeddings.observer = observer

    async def __aenter__(self) -> MemoryEngine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def persist_indexes(self) -> int:
        """Save every index that changed; under the write lock so file and generation agree."""
        saved = 0
        async with self.writer.lock:
            for tenant, cube in self.indexes.cubes():
                saved += await self.indexes.save(tenant, cube)
        return saved

    # -- sources the index manager reads from -----------------------------------------------------
    async def _stored_vectors(self, tenant: str, cube: str, labels: np.ndarray | None
                              ) -> tuple[np.ndarray, np.ndarray]:
        stmt = select(MemoryRow.label, MemoryRow.embedding).where(MemoryRow.tenant == tenant,
                                                                 MemoryRow.cube == cube)
        if labels is not None:
            stmt = stmt.where(MemoryRow.label.in_(labels.tolist()))
        async with self.sessions() as s:
            rows = (await s.execute(stmt.order_by(MemoryRow.label))).all()
        dim = self.embeddings.dim
        vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), dim)
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)), vecs

    async def _alive_labels(self, tenant: str, cube: str) -> np.ndarray:
        return await self.retriever.labels(self.sessions, MemoryFilter(tenant=tenant, cube=cube), self.clock.now())

    async def _cube_documents(self, tenant: str, cube: str) -> list[tuple[int, str, str]]:
        async with self.sessions() as s:
            return await lexical_index.cube_documents(s, tenant, cube)

    # -- saving -----------------------------------------------------------------------------------
    async def save_turn(self, scope: Scope, user_message: str, ai_message: str | None = None,
                        **fields: Any) -> SaveResult:
        """Save a conversation turn pair (the user's message and the AI's reply)."""
        return await self.save(MemoryInput(scope=scope, user_message=user_message, ai_message=ai_message,
                                           **fields))

    async def store(self, scope: Scope, content: str, **fields: Any) -> SaveResult:
        """Store content (a fact, a note, code...) with tags, metadata, tier and TTL."""
        return await self.save(MemoryInput(scope=scope, content=content, **fields))

    async def save(self, item: MemoryInput) -> SaveResult:
        with self.observer.operation("save") as note:
            note.items = 1
            result = await self.writer.save_batch([item])
        if result.failed:
            fail = result.failed[0]
            raise ValidationError(fail.error, field=fail.field)
        return result.saved[0]

    async def save_batch(self, items: Sequence[MemoryInput]) -> BatchResult:
        """Save many; each bad item is reported with its index and the rest are saved."""
        with self.observer.operation("batch") as note:
            note.items = len(items)
            result = await self.writer.save_batch(list(items))
            note.failed = len(result.failed)
            return result

    # -- reading ----------------------------------------------------------------------------------
    async def get(self, memory_id: str, *, tenant: str | None = None) -> Memory:
        async with self.sessions() as s:
            row = await s.get(MemoryRow, str(memory_id))
        now = self.clock.now()
        if row is None or (tenant is not None and row.tenant != tenant) or (
                (expires := as_utc(row.expires_at)) is not None and expires <= now):
            raise NotFoundError(f"memory {memory_id} not found", field="id")
        return row_to_memory(row)

    async def search(self, query: str, f: MemoryFilter | None = None, *, top_k: int = 10,
                     min_similarity: float = 0.0) -> list[SearchHit]:
        """Hybrid search within the filter's scope; see memory.search for what `score` means."""
        with self.observer.operation("search") as note:
            hits = await self._search(query, f, top_k, min_similarity, note)
            note.hits = len(hits)
            return hits

    async def _search(self, query: str, f: MemoryFilter | None, top_k: int, min_similarity: float,
                      note: OperationNote) -> list[SearchHit]:
        text_field(query, "query", required=True)
        check_range(top_k, "top_k", 1, MAX_TOP_K)
        min_similarity = unit_interval(min_similarity, "min_similarity")
        f = check_filter(f or MemoryFilter())
        now = self.clock.now()
        n = candidates(top_k)
        cubes = [k for k in self.indexes.cubes()
                 if (f.tenant is None or k[0] == f.tenant) and (f.cube is None or k[1] == f.cube)]
        if not cubes:
            return []

        one = await search_one_cube(self.retriever, self.embeddings, f, now, query, n,
                                    vectors=self.options.diversity > 0.0, observer=self.observer)
        if one is not None:
            note.candidates = len(one.candidates)
            with self.observer.phase("rank"):
                return self._ranked(one.rows, one.candidates, one.vectors, now, top_k, min_similarity)
        many = await search_cubes(self.retriever, self.embeddings, self.sessions, self.observer, f, cubes, now,
                                  query, n, vectors=self.options.diversity > 0.0)
        note.candidates = len(many.candidates)
        with self.observer.phase("rank"):
            return self._ranked(many.rows, many.candidates, many.vectors, now, top_k, min_similarity)

    def _ranked(self, rows: Sequence[Any], found: dict[int, Candidate], vectors: dict[int, np.ndarray],
                now: datetime, top_k: int, min_similarity: float) -> list[SearchHit]:
        hits = self.hits.rank(rows, found, vectors, now, top_k, min_similarity)
        self.access.note([h.memory.id for h in hits], now)
        return hits

    async def flush_access(self) -> None:
        """Write pending last-access times and counts now (memory.access)."""
        await self.access.flush()

    # -- changing and deleting --------------------------------------------------------------------
    async def update(self, memory_id: str, *, content: str | None = None, tags: Sequence[str] | None = None,
                     metadata: dict[str, Any] | None = None, tier: Tier | str | None = None,
                     importance: float | None = None, tenant: str | None = None,
                     actor: str | None = None) -> Memory:
        """Content re-embeds, tags replace, metadata merges, tier moves (short_term gets a TTL)."""
        if content is not None:
            text_field(content, "content", required=True)
        if tags is not None:
            tags = tags_field(tags)
        if metadata is not None and not isinstance(metadata, dict):
            raise ValidationError("metadata must be an object", field="metadata")
        if metadata:
            check_json(metadata, "metadata")
        if tier is not None:
            tier = enum_value(Tier, tier, "memory_tier")
        if importance is not None:
            importance = unit_interval(importance, "importance")
        await self.get(memory_id, tenant=tenant)
        return await self.writer.update(str(memory_id), content=content, tags=tags, metadata=metadata,
                                        tier=tier, importance=importance, actor=actor)

    async def delete(self, f: MemoryFilter, *, actor: str | None = None, include_expired: bool = True
                     ) -> list[str]:
        """Delete what the filter selects; an empty filter is refused rather than deleting everything."""
        f = check_filter(f)
        if not filter_clauses(f):
            raise ValidationError("delete needs at least one condition (id, ids, memory_tier, older_than, "
                                  "user, cube...)", field="id")
        return await self.writer.delete(f, actor=actor, now=None if include_expired else self.clock.now())

    async def delete_ids(self, ids: Sequence[str], *, tenant: str | None = None,
                         actor: str | None = None) -> list[str]:
        return await self.delete(MemoryFilter(ids=[str(i) for i in ids], tenant=tenant), actor=actor)

    async def forget_user(self, user_id: str, *, tenant: str | None = None, actor: str | None = None) -> int:
        """Delete everything kept about a user, in every cube, history included."""
        text_field(user_id, "user_id", required=True)
        deleted = await self.writer.delete(MemoryFilter(user_id=user_id, tenant=tenant), actor=actor, now=None)
        async with self.writer.lock, self.sessions.begin() as s:
            stmt = sql_delete(HistoryRow).where(HistoryRow.user_id == user_id)
            if tenant is not None:
                stmt = stmt.where(HistoryRow.tenant == tenant)
            await s.execute(stmt)
            s.add(HistoryRow(memory_id="*", tenant=tenant or "*", cube="*", user_id=None, action="forget_user",
                             actor=actor, at=self.clock.now(), changes={"deleted": len(deleted)}))
        return len(deleted)

    async def forget_tenant(self, tenant: str, *, actor: str | None = None) -> int:
        """Delete every memory of a tenant, in every cube, history included (its owner left)."""
        text_field(tenant, "tenant", required=True)
        deleted = await self.writer.delete(MemoryFilter(tenant=tenant), actor=actor, now=None)
        async with self.writer.lock, self.sessions.begin() as s:
            await s.execute(sql_delete(HistoryRow).where(HistoryRow.tenant == tenant))
            s.add(HistoryRow(memory_id="*", tenant=tenant, cube="*", user_id=None, action="forget_tenant",
                             actor=actor, at=self.clock.now(), changes={"deleted": len(deleted)}))
        return len(deleted)

    async def sweep_expired(self) -> list[str]:
        """Delete short_term memories whose TTL has passed (history kept)."""
        now = self.clock.now()
        async with self.sessions() as s:
            ids = list((await s.execute(select(MemoryRow.id).where(MemoryRow.expires_at <= now))).scalars())
        return await self.writer.delete(MemoryFilter(ids=ids), actor="ttl-sweep", now=None) if ids else []

    async def stats(self, tenant: str, cube: str) -> CubeStats:
        async with self.sessions() as s:
            return await cube_stats(s, tenant, cube, self.clock.now())

    async def emotion_timeline(self, tenant: str, cube: str, user_id: str | None = None) -> EmotionTimeline:
        """Per day, how many memories carried each of the cube's (or one user's) top emotions."""
        async with self.sessions() as s:
            return await emotion_timeline(s, tenant, cube, self.clock.now(), user_id)

    async def growth(self, tenant: str, cube: str, user_id: str | None = None) -> list[tuple[date, int]]:
        """Per UTC day, how many of the cube's (or one user's) kept memories were made that day."""
        async with self.sessions() as s:
            return await memories_per_day(s, tenant, cube, user_id)

    async def users(self, tenant: str, cube: str, *, limit: int = 50, offset: int = 0,
                    platform: str | None = None) -> CubeUsers:
        """The cube's users and livestream viewers, most recently seen first, with counts and top emotions."""
        async with self.sessions() as s:
            return await cube_users(s, tenant, cube, self.clock.now(), limit=limit, offset=offset, platform=platform)

    async def tenants(self, only: Sequence[str] | None = None) -> set[str]:
        """Tenants that hold memories now or did once (within `only` if given)."""
        async with self.sessions() as s:
            return await tenants_with_cubes(s, only)

    async def first_writers(self, tenants: Sequence[str], actor_prefixes: Sequence[str]
                            ) -> dict[str, tuple[datetime, str]]:
        """Per tenant, (when, who) of its earliest recorded change by an actor with one of these prefixes."""
        async with self.sessions() as s:
            return await first_actors(s, tenants, actor_prefixes)

    async def resolve_ids(self, f: MemoryFilter, id_prefix: str, *, limit: int = 2) -> list[str]:
        """Ids of unexpired memories in the filter's scope that start with `id_prefix` (at most `limit`):
        what a person typed for an id."""
        f = check_filter(f)
        async with self.sessions() as s:
            return list((await s.execute(select(MemoryRow.id).where(
                MemoryRow.id.startswith(id_prefix, autoescape=True), *filter_clauses(f, now=self.clock.now()))
                .limit(limit))).scalars())

    async def history(self, memory_id: str) -> list[dict[str, Any]]:
        async with self.sessions() as s:
            rows = (await s.execute(select(HistoryRow).where(HistoryRow.memory_id == memory_id)
                                    .order_by(HistoryRow.id))).scalars().all()
        return [{"action": r.action, "actor": r.actor, "at": r.at, "changes": r.changes} for r in rows]

    # Last in the class: from here on `list` in the class body names this method, so an annotation such as
    # `list[str]` below it would not mean the builtin.
    async def list(self, f: MemoryFilter | None = None, *, limit: int = 50, offset: int = 0) -> Page:
        """Newest first, with the total for pagination; expired memories are never listed."""
        f = check_filter(f or MemoryFilter())
        check_range(limit, "limit", 1, MAX_LIMIT)
        check_range(offset, "offset", 0, 2**62)
        now = self.clock.now()
        async with self.sessions() as s:
            total = await count(s, f, now)
            rows = (await s.execute(select(MemoryRow).where(*filter_clauses(f, now=now))
                                    .order_by(MemoryRow.created_at.desc(), MemoryRow.label.desc())
                                    .limit(limit).offset(offset))).scalars().all()
        return Page([row_to_memory(r) for r in rows], total, limit, offset)


