"""MemoryEngine: the public async API the bot, the cogs and the HTTP API call.

Writes are serialised by one lock (none is lost) and committed before the index changes, so the
database is always the truth and an index can be caught up after a crash. Reads run concurrently.
Blocking work (embedding, emotion analysis, index search) runs off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np

from memory.access import AccessLog
from memory.blas import one_blas_thread
from memory.clock import Clock, SystemClock, as_utc
from memory.db.rows import row_to_memory
from memory.embedding.base import Embedder
from memory.embedding.service import EmbeddingService
from memory.enrich import Enricher
from memory.errors import NotFoundError, ValidationError
from memory.file_modes import make_private
from memory.hits import HitRanker
from memory.json_limits import check_json
from memory.model_record import check_model, stored_model
from memory.new_rows import history_note
from memory.observe import NO_OBSERVER, Observer, OperationNote
from memory.options import EngineOptions
from memory.people import CubeUsers
from memory.ranking import candidates
from memory.rerank.base import Reranker
from memory.rerank.stage import RerankStage
from memory.stats import EmotionTimeline, emotion_timeline
from memory.store.base import CubeKey, MemoryStore, StoredRow, StoreStats
from memory.store.candidates import Candidate, CandidateQuery
from memory.store.factory import open_store
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
    selects_something,
    tags_field,
    text_field,
    unit_interval,
    vector_field,
)
from memory.writes import Writer

log = logging.getLogger(__name__)


class MemoryEngine:
    """Open with `await MemoryEngine.open(options)`; close with `await engine.close()`."""

    def __init__(self, options: EngineOptions, embedder: Embedder, store: MemoryStore,
                 clock: Clock | None = None, reranker: Reranker | None = None) -> None:
        self.options = options
        self.clock: Clock = clock or SystemClock()  # every time the engine reads or stores comes from here
        self.embeddings = EmbeddingService(embedder, options.embedding_batch_size)
        self.storage = store  # memory.store.base: where memories live (`store` is the method that saves content)
        self.enricher = Enricher()
        self.turn_text = options.turn_text
        self.writer = Writer(store, self.embeddings, self.clock, options, self.enricher)
        self.access = AccessLog(store)
        self.hits = HitRanker(options, embedder.model_id, embedder.dim)
        self.index_report: dict[str, int] = {}
        self.observer: Observer = NO_OBSERVER  # metrics and traces, when the process watches (memory.observe)
        # RERANK_MODEL's cross-encoder after fusion (memory.rerank), None when off
        self.rerank = None if reranker is None else RerankStage(reranker, options.rerank_candidates,
                                                                 options.rerank_timeout_ms)
        self.owns_reranker = False  # made by open (closed with the engine) rather than given

    # -- lifecycle --------------------------------------------------------------------------------
    @classmethod
    async def open(cls, options: EngineOptions, embedder: Embedder | None = None, *,
                   allow_model_change: bool = False, clock: Clock | None = None,
                   reranker: Reranker | None = None) -> MemoryEngine:
        """Open the store (its schema created), check the stored vectors' model, and load or rebuild
        what the store keeps beside its tables (SQLite: each cube's index). `clock` (default: the wall
        clock) is what the engine reads the time from (memory.clock). `reranker` (default: RERANK_MODEL's,
        loaded first so a bad one stops the start early) reorders search results (memory.rerank)."""
        owns_reranker = reranker is None and bool(options.rerank_model)
        if owns_reranker:
            from memory.rerank.factory import create_reranker
            reranker = await asyncio.to_thread(create_reranker, options)
        try:
            return await cls._open(options, embedder, allow_model_change, clock, reranker, owns_reranker)
        except BaseException:
            if owns_reranker and reranker is not None:
                reranker.close()
            raise

    @classmethod
    async def _open(cls, options: EngineOptions, embedder: Embedder | None, allow_model_change: bool,
                    clock: Clock | None, reranker: Reranker | None, owns_reranker: bool) -> MemoryEngine:
        if embedder is None:
            from memory.embedding.factory import create_embedder
            embedder = await asyncio.to_thread(create_embedder, options.embedding_model, options.embedding_backend,
                                               options.model_dir, options.embedding_threads)
        one_blas_thread()
        clock = clock or SystemClock()
        store = await open_store(options.url, options, dim=embedder.dim, model_id=embedder.model_id, clock=clock)
        self = cls(options, embedder, store, clock, reranker)
        self.owns_reranker = owns_reranker
        # the text analysis reads its dictionaries on first use (0.15 s of CPU, about 1 s of wall time on a
        # busy machine): beside the start, not in the first save (memory.enrich)
        warming = asyncio.ensure_future(asyncio.to_thread(self.enricher.warm))
        try:
            await asyncio.to_thread(make_private, options.data_dir)  # the database and all beside it: owner-only
            await check_model(store, embedder.model_id, embedder.dim, allow_model_change)
            if not allow_model_change:
                self.index_report = await store.prepare()
            await warming
        except BaseException:  # refused (another model's vectors) or failed: leave no connection or thread open
            await asyncio.wait([warming])
            if not warming.cancelled():
                warming.exception()  # retrieved: the failure raised is the start's
            self.embeddings.close()
            await store.close()
            raise
        return self

    async def stored_model(self) -> str | None:
        """The model recorded for the stored vectors ("model|dims")."""
        return await stored_model(self.storage)

    async def close(self) -> None:
        await self.access.close()
        await self.persist_indexes()
        self.embeddings.close()
        if self.rerank is not None and self.owns_reranker:
            self.rerank.reranker.close()
        await self.storage.close()

    def watch(self, observer: Observer) -> None:
        """Report operations, their phases and model calls to `observer` from now on."""
        self.observer = self.embeddings.observer = observer

    async def __aenter__(self) -> MemoryEngine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def persist_indexes(self) -> int:
        """Save what the store keeps beside its tables and changed (SQLite: index files)."""
        return await self.storage.persist()

    async def cubes(self) -> list[CubeKey]:
        """(tenant, cube) of every cube that holds or held memories."""
        return await self.storage.cubes()

    def store_stats(self) -> StoreStats:
        """What the store holds now (index sizes, connection pool), read without waiting: for metrics."""
        return self.storage.stats_now()

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
        row = await self.storage.get(str(memory_id))
        now = self.clock.now()
        if row is None or (tenant is not None and row.tenant != tenant) or (
                (expires := as_utc(row.expires_at)) is not None and expires <= now):
            raise NotFoundError(f"memory {memory_id} not found", field="id")
        return row_to_memory(row)

    async def search(self, query: str, f: MemoryFilter | None = None, *, top_k: int = 10,
                     min_similarity: float = 0.0, embedding: Sequence[float] | np.ndarray | None = None
                     ) -> list[SearchHit]:
        """Hybrid search within the filter's scope; see memory.search for what `score` means. `embedding`:
        the query's vector when the caller has it (as `MemoryInput.embedding` for a save; the text still
        ranks the lexical side), so the model is not run."""
        with self.observer.operation("search") as note:
            hits = await self._search(query, f, top_k, min_similarity, note, embedding)
            note.hits = len(hits)
            return hits

    async def _search(self, query: str, f: MemoryFilter | None, top_k: int, min_similarity: float,
                      note: OperationNote, embedding: Sequence[float] | np.ndarray | None) -> list[SearchHit]:
        text_field(query, "query", required=True)
        check_range(top_k, "top_k", 1, MAX_TOP_K)
        min_similarity = unit_interval(min_similarity, "min_similarity")
        f = check_filter(f or MemoryFilter())
        given = vector_field(embedding, self.embeddings.dim)
        now = self.clock.now()
        pool = top_k if self.rerank is None else self.rerank.pool(top_k)  # a reranker orders a larger pool

        def rank(rows: Sequence[StoredRow], found: dict[int, Candidate], vectors: dict[int, np.ndarray],
                 memories: Callable[[Sequence[int]], dict[int, Memory]] | None) -> list[SearchHit]:
            with self.observer.phase("rank"):
                return self.hits.rank(rows, found, vectors, now, pool, min_similarity, memories)

        async def embed() -> np.ndarray:
            return given if given is not None else await self.embeddings.query(query)

        found = await self.storage.candidates(CandidateQuery(
            f, query, embed, candidates(pool), now,
            with_vectors=self.options.diversity > 0.0, observer=self.observer,
            embed_now=(lambda: self.embeddings.query_now(query)) if self.embeddings.idle else None, rank=rank,
            vector=given))
        note.candidates = len(found.candidates)
        hits = found.hits if found.hits is not None else rank(found.rows, found.candidates, found.vectors, None)
        if self.rerank is not None:
            hits = await self.rerank.apply(query, hits, top_k, self.observer)
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
        if not selects_something(f):
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
        note = history_note(tenant or "*", "forget_user", actor, self.clock.now(), len(deleted))
        async with self.storage.writing():
            await self.storage.erase_history(tenant=tenant, user_id=user_id, note=note)
        return len(deleted)

    async def forget_tenant(self, tenant: str, *, actor: str | None = None) -> int:
        """Delete every memory of a tenant, in every cube, history included (its owner left)."""
        text_field(tenant, "tenant", required=True)
        deleted = await self.writer.delete(MemoryFilter(tenant=tenant), actor=actor, now=None)
        note = history_note(tenant, "forget_tenant", actor, self.clock.now(), len(deleted))
        async with self.storage.writing():
            await self.storage.erase_history(tenant=tenant, user_id=None, note=note)
        return len(deleted)

    async def sweep_expired(self) -> list[str]:
        """Delete short_term memories whose TTL has passed (history kept)."""
        ids = await self.storage.expired_ids(self.clock.now())
        return await self.writer.delete(MemoryFilter(ids=ids), actor="ttl-sweep", now=None) if ids else []

    async def stats(self, tenant: str, cube: str) -> CubeStats:
        return await self.storage.cube_stats(tenant, cube, self.clock.now())

    async def emotion_timeline(self, tenant: str, cube: str, user_id: str | None = None) -> EmotionTimeline:
        """Per day, how many memories carried each of the cube's (or one user's) top emotions."""
        return emotion_timeline(await self.storage.emotion_rows(tenant, cube, self.clock.now(), user_id))

    async def growth(self, tenant: str, cube: str, user_id: str | None = None) -> list[tuple[date, int]]:
        """Per UTC day, how many of the cube's (or one user's) kept memories were made that day."""
        return await self.storage.memories_per_day(tenant, cube, user_id)

    async def users(self, tenant: str, cube: str, *, limit: int = 50, offset: int = 0,
                    platform: str | None = None) -> CubeUsers:
        """The cube's users and livestream viewers, most recently seen first, with counts and top emotions."""
        return await self.storage.cube_users(tenant, cube, self.clock.now(), limit=limit, offset=offset,
                                             platform=platform)

    async def tenants(self, only: Sequence[str] | None = None) -> set[str]:
        """Tenants that hold memories now or did once (within `only` if given)."""
        return await self.storage.tenants(only)

    async def first_writers(self, tenants: Sequence[str], actor_prefixes: Sequence[str]
                            ) -> dict[str, tuple[datetime, str]]:
        """Per tenant, (when, who) of its earliest recorded change by an actor with one of these prefixes."""
        return await self.storage.first_actors(tenants, actor_prefixes)

    async def resolve_ids(self, f: MemoryFilter, id_prefix: str, *, limit: int = 2) -> list[str]:
        """Ids of unexpired memories in the filter's scope that start with `id_prefix` (at most `limit`):
        what a person typed for an id."""
        f = check_filter(f)
        return await self.storage.resolve_ids(f, id_prefix, self.clock.now(), limit)

    async def history(self, memory_id: str) -> list[dict[str, Any]]:
        return [{"action": h.action, "actor": h.actor, "at": h.at, "changes": h.changes}
                for h in await self.storage.history(memory_id)]

    # Last in the class: from here on `list` in the class body names this method, so an annotation such as
    # `list[str]` below it would not mean the builtin.
    async def list(self, f: MemoryFilter | None = None, *, limit: int = 50, offset: int = 0, after: str | None = None,
                   before: str | None = None) -> Page:
        """Newest first, with the total for pagination; expired memories are never listed. `after` / `before`
        (a memory id): the page just older / newer than that memory, quick at any depth (keyset pagination)."""
        f = check_filter(f or MemoryFilter())
        check_range(limit, "limit", 1, MAX_LIMIT)
        check_range(offset, "offset", 0, 2**62)
        rows, total = await self.storage.page(f, self.clock.now(), limit, offset, after=after, before=before)
        return Page([row_to_memory(r) for r in rows], total, limit, offset)
