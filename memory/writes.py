"""The write path: a save, update or delete decided and written under the store's write lock, in one
transaction (memory.store.base). The store assigns labels and keeps its indexes in step.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from memory import dedup
from memory.clock import Clock
from memory.db.rows import row_to_memory
from memory.embedding.service import EmbeddingService
from memory.enrich import Enricher
from memory.errors import NotFoundError, OmoideError
from memory.json_limits import check_json
from memory.new_rows import Pending, RowMaker, history, new_ids
from memory.options import EngineOptions
from memory.store.base import MemoryChange, MemoryRecord, MemoryStore, NewMemory, WriteBatch
from memory.text.tokenize import index_document
from memory.turn_context import embed_text_for_row, previous_turns
from memory.turn_text import labelled_turn, speaker_label, with_context, words_key
from memory.types import (
    BatchFailure,
    BatchResult,
    Emotion,
    Kind,
    Memory,
    MemoryFilter,
    MemoryInput,
    SaveResult,
    Scope,
    Tier,
)
from memory.validation import check_input, vector_field


class Writer:
    def __init__(self, store: MemoryStore, embeddings: EmbeddingService, clock: Clock, options: EngineOptions,
                 enricher: Enricher) -> None:
        self.store = store
        self.embeddings = embeddings
        self.clock = clock
        self.options = options
        self.turn_text = options.turn_text
        self.enricher = enricher
        self.rows = RowMaker(options.short_term_ttl_seconds, options.default_importance,
                             embeddings.model_id, embeddings.dim)

    # -- save -----------------------------------------------------------------------------------
    async def save_batch(self, items: list[MemoryInput]) -> BatchResult:
        failures: list[BatchFailure] = []
        pending: list[Pending] = []
        for i, item in enumerate(items):
            try:
                kind, text = check_input(item)
                pending.append(Pending(i, item, kind, text, vector_field(item.embedding, self.embeddings.dim)))
            except OmoideError as exc:
                failures.append(BatchFailure(i, exc.message, exc.error_type, exc.field))
        if not pending:
            return BatchResult([], failures)
        await self._turn_texts(pending)
        to_embed = [p for p in pending if p.vector is None]
        texts = [p.embed_text for p in to_embed]
        analysis: asyncio.Future[list[tuple[list[Emotion], str, str]]] | None = None

        def analyse() -> asyncio.Future[list[tuple[list[Emotion], str, str]]]:
            nonlocal analysis
            if analysis is None:
                analysis = asyncio.ensure_future(asyncio.to_thread(self._analyse, pending))
            return analysis

        try:
            if len(pending) > 1 and to_embed:  # a batch: the text work fits beside the model's long runs
                analyse()
            # one item: beside the model it contends for the GIL (measured: 0.25 ms slower than after it)
            if to_embed:
                for p, vec in zip(to_embed, await self.embeddings.passages(texts), strict=True):
                    p.vector = vec
                analyse()
            # with every vector given there is no model to run beside: the analysis starts when the
            # store asks for the rows, after the near-duplicate checks, beside the index insert (begun
            # by then on its own thread); started earlier it slowed the checks' every hop back to the
            # loop (the GIL) and so the insert's start
            done = await self._insert(pending, analyse)
        finally:
            if analysis is not None:  # a failure before the rows needed it: the thread is let finish
                await asyncio.wait([analysis])
                if not analysis.cancelled():
                    analysis.exception()  # retrieved: the failure that matters is the one raised here
        saved = [r for p in pending if isinstance(r := done[p.index], SaveResult)]
        failures += [r for p in pending if isinstance(r := done[p.index], BatchFailure)]
        failures.sort(key=lambda f: f.index)
        return BatchResult(saved, failures)

    def _analyse(self, pending: list[Pending]) -> list[tuple[list[Emotion], str, str]]:
        """Emotions, summary and lexical terms of each item: blocking text work, off the event loop."""
        enriched = self.enricher.enrich([(p.item, p.kind) for p in pending])
        return [(emotions, summary, index_document(p.lexical_text))
                for p, (emotions, summary) in zip(pending, enriched, strict=True)]

    async def _turn_texts(self, pending: list[Pending]) -> None:
        """Each turn's text with its speaker's name, and with the session's previous turns for the
        vector (earlier items of this batch first, else the database; see memory.turn_text). A session
        whose items all come with their vectors needs no context: its earlier turns are not read."""
        opts = self.turn_text
        recent: dict[tuple[str, str, str], list[str]] = {}
        to_embed = {(p.item.scope.tenant, p.item.scope.cube, p.item.scope.session_id)
                    for p in pending if p.vector is None}
        for p in pending:
            p.embed_text = p.lexical_text = p.text
            if p.kind is not Kind.TURN:
                continue
            item, sc = p.item, p.item.scope
            speaker = speaker_label(sc.user_id, item.metadata) if opts.speaker_names else None
            own = p.embed_text = p.lexical_text = labelled_turn(item.user_message, item.ai_message, speaker)
            p.words_key = words_key(item.user_message, item.ai_message)
            if sc.session_id is None or opts.context_turns <= 0:
                continue
            key = (sc.tenant, sc.cube, sc.session_id)
            if key not in to_embed:  # its vector is given: the context would feed nothing
                continue
            if key not in recent:
                recent[key] = await previous_turns(self.store, *key, item.created_at or self.clock.now(), opts)
            p.embed_text = with_context(own, recent[key], opts.context_chars)
            recent[key] = (recent[key] + [own])[-opts.context_turns:]

    async def _insert(self, pending: list[Pending],
                      analysis: Callable[[], asyncio.Future[list[tuple[list[Emotion], str, str]]]]
                      ) -> dict[int, SaveResult | BatchFailure]:
        async with self.store.writing(*{(p.item.scope.tenant, p.item.scope.cube) for p in pending}):
            now = self.clock.now()
            threshold = self.options.dedup_threshold
            near = await dedup.stored_near(self.store, pending, now, threshold)
            in_batch = dedup.batch_near(pending, threshold)
            out: dict[int, SaveResult | BatchFailure] = {}
            batch = WriteBatch(now=now)
            taken = await self._existing_ids(pending)
            fresh = new_ids(sum(p.item.memory_id is None for p in pending))
            twins = await dedup.twin_rows(self.store, pending, near, now)
            created: dict[int, MemoryRecord] = {}  # pending position -> record added by this batch
            of_new: list[tuple[SaveResult, Pending]] = []  # results given their analysis after the write
            for pos, p in enumerate(pending):
                if p.item.memory_id in taken:  # stored, or a new row of this batch has it
                    out[p.index] = BatchFailure(p.index, f"memory {p.item.memory_id} already exists",
                                                "ConflictError", "id")
                    continue
                twin = twins.get(pos) or next(
                    (created[i] for i in in_batch.get(pos, ())
                     if i in created and dedup.same_scope(created[i], p.item, p.kind)), None)
                if twin is not None:
                    batch.history.append(self.rows.reinforce(twin, p, now))
                    if all(twin is not c for c in created.values()) and all(twin is not r for r in batch.reinforced):
                        batch.reinforced.append(twin)
                    out[p.index] = result = SaveResult(row_to_memory(twin), deduplicated=True)
                    of_new += [(result, pending[i]) for i, c in created.items() if c is twin]  # analysed below
                    continue
                assert p.vector is not None
                row = created[pos] = self.rows.memory(p, p.item.memory_id or next(fresh), now)
                taken.add(row.id)
                batch.history.append(history(row, "add", p.item.actor, now, {"kind": row.kind, "tier": row.tier}))
                batch.new.append(NewMemory(row, p.vector, ""))
                out[p.index] = result = SaveResult(row_to_memory(row))  # as added, before any reinforcement
                of_new.append((result, p))

            async def analysed() -> None:
                """The text analysis into the new rows (begun beside the model or, every vector given, now)."""
                for p, (emotions, summary, doc) in zip(pending, await analysis(), strict=True):
                    p.emotions, p.summary, p.lexical_doc = emotions, summary, doc
                for new, pos in zip(batch.new, created, strict=True):
                    self.rows.analysed(new.record, pending[pos])
                    new.terms = pending[pos].lexical_doc

            batch.ready = analysed
            await self.store.write(batch)  # new rows inserted last: a later item may have reinforced one
            for result, p in of_new:
                result.memory.emotions = [Emotion(e.label, float(e.score)) for e in p.emotions or []]  # as stored
                result.memory.summary = p.summary
        return out

    async def _existing_ids(self, pending: list[Pending]) -> set[str]:
        wanted = [p.item.memory_id for p in pending if p.item.memory_id is not None]
        if not wanted:
            return set()
        found = await self.store.records(after_label=0, limit=len(wanted), f=MemoryFilter(ids=wanted))
        return {r.id for r in found}

    # -- update ---------------------------------------------------------------------------------
    async def update(self, memory_id: str, *, content: str | None, tags: Sequence[str] | None,
                     metadata: dict[str, Any] | None, tier: Tier | None, importance: float | None,
                     actor: str | None) -> Memory:
        vec = emotions = summary = None
        if content is not None:
            vec = (await self.embeddings.passages([await self._update_text(memory_id, content)]))[0]
            probe = MemoryInput(scope=Scope(), content=content)  # only its text is analysed
            emotions, summary = (await asyncio.to_thread(self.enricher.enrich, [(probe, Kind.CONTENT)]))[0]
        async with self.store.writing():
            now = self.clock.now()
            row = await self.store.get(memory_id)
            if row is None:
                raise NotFoundError(f"memory {memory_id} not found", field="id")
            changes: dict[str, Any] = {}
            change = MemoryChange(row, history(row, "update", actor, now, changes))
            if content is not None and content != row.content and vec is not None:
                row.content = content
                row.emotions = [[e.label, e.score] for e in emotions or []]
                row.summary = summary or ""
                change.vector, change.terms = vec, index_document(self._lexical_text(row))
                changes["content"] = "re-embedded"
            if tags is not None:
                changes["tags"] = {"from": row.tags, "to": list(tags)}
                row.tags = list(tags)
            if metadata:
                row.meta = check_json({**(row.meta or {}), **metadata}, "metadata")  # the merge stays bounded
                changes["metadata"] = sorted(metadata)
            if tier is not None and tier.value != row.tier:
                changes["tier"] = {"from": row.tier, "to": tier.value}
                row.tier = tier.value
                row.expires_at = self.rows.expiry_for(tier, None, now)
            if importance is not None:
                changes["importance"] = {"from": row.importance, "to": importance}
                row.importance = importance
            row.updated_at = now
            await self.store.update(change)
            return row_to_memory(row)

    async def _update_text(self, memory_id: str, content: str) -> str:
        """What a memory's new content is embedded as: for a turn, the new words as its message, with
        its speaker and the turns before it (as when it was saved)."""
        row = await self.store.get(memory_id)
        if row is None or row.kind != Kind.TURN.value:
            return content
        row.user_message, row.ai_message = content, None
        return await embed_text_for_row(self.store, row, self.turn_text)

    def _lexical_text(self, row: MemoryRecord) -> str:
        if row.kind != Kind.TURN.value:
            return row.content
        speaker = speaker_label(row.user_id, row.meta) if self.turn_text.speaker_names else None
        return labelled_turn(row.content, None, speaker)

    # -- delete ---------------------------------------------------------------------------------
    async def delete(self, f: MemoryFilter, *, actor: str | None, now: datetime | None) -> list[str]:
        async with self.store.writing():
            return await self.store.delete(f, now=now, actor=actor, at=self.clock.now())
