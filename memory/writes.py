"""The write path: one lock, one transaction per call, the index changed only after the commit.

Labels (HNSW ids) come from a counter persisted in the same transaction and are never reused, and
each cube's generation is bumped with every vector change so a stale index file is detected at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from memory import dedup
from memory.db.fastwrite import FastWrites, Statements
from memory.db.filters import filter_clauses
from memory.db.models import CubeRow, HistoryRow, MemoryRow, MetaRow
from memory.db.rows import row_to_memory
from memory.db.upsert import upsert
from memory.errors import NotFoundError, OmoideError
from memory.index import lexical
from memory.index.postings import DocRow
from memory.json_limits import check_json
from memory.new_rows import Pending, RowMaker, history
from memory.text.tokenize import index_document
from memory.turn_context import embed_text_for_row, previous_turns
from memory.turn_text import labelled_turn, speaker_label, with_context
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

if TYPE_CHECKING:
    from memory.engine import MemoryEngine

log = logging.getLogger(__name__)
CubeKey = tuple[str, str]
DELETE_CHUNK = 500


class Writer:
    def __init__(self, engine: MemoryEngine) -> None:
        self.e = engine
        self.lock = asyncio.Lock()
        self.next_label = 1
        self.generations: dict[CubeKey, int] = {}
        # a save's statements in one hop (SQLite files; None elsewhere)
        self.rows = RowMaker(engine.options.short_term_ttl_seconds, engine.options.default_importance,
                             engine.embeddings.model_id, engine.embeddings.dim)
        self.fast = FastWrites.for_url(engine.options.url, engine.db.dialect, [MemoryRow, HistoryRow],
                                       synchronous=engine.options.sqlite_synchronous)

    async def load_counters(self) -> None:
        async with self.e.sessions() as s:
            meta = await s.get(MetaRow, "next_label")
            top = (await s.execute(select(func.max(MemoryRow.label)))).scalar_one_or_none() or 0
            self.next_label = max(int(meta.value) if meta else 1, top + 1)
            for tenant, cube, gen in (await s.execute(select(CubeRow.tenant, CubeRow.cube, CubeRow.generation))):
                self.generations[(tenant, cube)] = gen

    def _take_label(self) -> int:
        label, self.next_label = self.next_label, self.next_label + 1
        return label

    async def _bump(self, s: AsyncSession | None, cubes: set[CubeKey], now: datetime, *,
                    freed_labels: bool = False, statements: Statements | None = None) -> dict[CubeKey, int]:
        """Advance the cubes' generation counters (memory.index.manager compares them at start).

        The next label is persisted only when labels leave the table: otherwise the largest stored
        label says it (load_counters), and a save costs one statement less."""
        new: dict[CubeKey, int] = {}
        for key in cubes:
            gen = self.generations.get(key, 0) + 1
            if statements is not None and self.fast is not None:
                self.fast.set_generation(statements, key, gen, now)
            else:
                assert s is not None
                await upsert(s, CubeRow.__table__, {"tenant": key[0], "cube": key[1], "generation": gen,
                                                    "created_at": now}, ["tenant", "cube"], ["generation"])
            new[key] = gen
        if freed_labels:
            assert s is not None
            await upsert(s, MetaRow.__table__, {"key": "next_label", "value": str(self.next_label)}, ["key"], ["value"])
        return new

    def _apply_index(self, new_gens: dict[CubeKey, int], adds: dict[CubeKey, list[tuple[int, np.ndarray]]],
                     removes: dict[CubeKey, list[int]], lex_adds: dict[CubeKey, list[DocRow]] | None = None
                     ) -> None:
        """After a commit: the indexes follow the database (never the other way round)."""
        lex_adds = lex_adds or {}
        for key in set(removes) | set(lex_adds):
            self.e.indexes.lexical_changed(*key, lex_adds.get(key, []), removes.get(key, []))
        for key, gen in new_gens.items():
            self.generations[key] = gen
            state = self.e.indexes.get(*key) or self.e.indexes.create(*key, generation=gen)
            try:
                if removes.get(key):
                    state.index.delete(removes[key])
                if adds.get(key):
                    labels = np.array([a[0] for a in adds[key]], dtype=np.int64)
                    state.index.add(labels, np.vstack([a[1] for a in adds[key]]))
                state.generation = gen
            except Exception:  # the next start catches the index up from the database
                log.exception("index update failed for %s/%s; it will be caught up at restart", *key)

    # -- save -----------------------------------------------------------------------------------
    async def save_batch(self, items: list[MemoryInput]) -> BatchResult:
        failures: list[BatchFailure] = []
        pending: list[Pending] = []
        for i, item in enumerate(items):
            try:
                kind, text = check_input(item)
                pending.append(Pending(i, item, kind, text, vector_field(item.embedding, self.e.embeddings.dim)))
            except OmoideError as exc:
                failures.append(BatchFailure(i, exc.message, exc.error_type, exc.field))
        if not pending:
            return BatchResult([], failures)
        await self._turn_texts(pending)
        to_embed = [p for p in pending if p.vector is None]
        texts = [p.embed_text for p in to_embed]
        if len(pending) > 1:  # a batch: the text work fits beside the model's long runs
            enriched, vectors = await asyncio.gather(asyncio.to_thread(self._analyse, pending),
                                                     self.e.embeddings.passages(texts))
        else:  # one item: beside the model it contends for the GIL (measured: 0.25 ms slower than after it)
            vectors = await self.e.embeddings.passages(texts)
            enriched = await asyncio.to_thread(self._analyse, pending)
        for p, (emotions, summary, doc) in zip(pending, enriched, strict=True):
            p.emotions, p.summary, p.lexical_doc = emotions, summary, doc
        for p, vec in zip(to_embed, vectors, strict=True):
            p.vector = vec
        done = await self._insert(pending)
        saved = [r for p in pending if isinstance(r := done[p.index], SaveResult)]
        failures += [r for p in pending if isinstance(r := done[p.index], BatchFailure)]
        failures.sort(key=lambda f: f.index)
        return BatchResult(saved, failures)

    def _analyse(self, pending: list[Pending]) -> list[tuple[list[Emotion], str, str]]:
        """Emotions, summary and lexical terms of each item: blocking text work, off the event loop."""
        enriched = self.e.enricher.enrich([(p.item, p.kind) for p in pending])
        return [(emotions, summary, index_document(p.lexical_text))
                for p, (emotions, summary) in zip(pending, enriched, strict=True)]

    async def _turn_texts(self, pending: list[Pending]) -> None:
        """Each turn's text with its speaker's name, and with the session's previous turns for the
        vector (earlier items of this batch first, else the database; see memory.turn_text)."""
        opts = self.e.turn_text
        recent: dict[tuple[str, str, str], list[str]] = {}
        reads = opts.context_turns > 0 and any(p.kind is Kind.TURN and p.item.scope.session_id for p in pending)
        async with self.e.sessions() if reads else contextlib.nullcontext() as s:
            for p in pending:
                p.embed_text = p.lexical_text = p.text
                if p.kind is not Kind.TURN:
                    continue
                item, sc = p.item, p.item.scope
                speaker = speaker_label(sc.user_id, item.metadata) if opts.speaker_names else None
                own = p.embed_text = p.lexical_text = labelled_turn(item.user_message, item.ai_message, speaker)
                if sc.session_id is None or opts.context_turns <= 0:
                    continue
                key = (sc.tenant, sc.cube, sc.session_id)
                if key not in recent:
                    assert s is not None  # `reads`: this turn has a session and context turns
                    recent[key] = await previous_turns(s, *key, item.created_at or self.e.clock.now(), opts)
                p.embed_text = with_context(own, recent[key], opts.context_chars)
                recent[key] = (recent[key] + [own])[-opts.context_turns:]

    async def _insert(self, pending: list[Pending]) -> dict[int, SaveResult | BatchFailure]:
        async with self.lock:
            now = self.e.clock.now()
            threshold = self.e.options.dedup_threshold
            near = await dedup.stored_near(self.e.retriever, self.e.sessions, pending, now, threshold)
            in_batch = dedup.batch_near(pending, threshold)
            if (self.fast is not None and not near and not in_batch
                    and all(p.item.memory_id is None for p in pending)):
                return await self._insert_new(pending, now)  # the common save: one hop
            out: dict[int, SaveResult | BatchFailure] = {}
            adds: dict[CubeKey, list[tuple[int, np.ndarray]]] = defaultdict(list)
            async with self.e.sessions.begin() as s:
                taken = await self._existing_ids(s, pending)
                twins = await dedup.twin_rows(s, pending, near)
                created: dict[int, MemoryRow] = {}  # pending position -> row added by this batch
                docs: list[tuple[MemoryRow, str]] = []
                added: list[HistoryRow] = []
                for pos, p in enumerate(pending):
                    if p.item.memory_id in taken:
                        out[p.index] = BatchFailure(p.index, f"memory {p.item.memory_id} already exists",
                                                    "ConflictError", "id")
                        continue
                    twin = twins.get(pos) or next(
                        (created[i] for i in in_batch.get(pos, ())
                         if i in created and dedup.same_scope(created[i], p.item, p.kind)), None)
                    if twin is not None:
                        self._reinforce(s, twin, p, now)
                        out[p.index] = SaveResult(row_to_memory(twin), deduplicated=True)
                        continue
                    created[pos] = self._add_new(p, now, docs, added, adds, out)
                # inserted last: a later item may have reinforced one
                new_gens, lex_adds = await self._write_new(s, docs, added, adds, now)
            self._apply_index(new_gens, adds, {}, lex_adds)
        return out

    async def _insert_new(self, pending: list[Pending], now: datetime) -> dict[int, SaveResult | BatchFailure]:
        """Items that are all new (no duplicate, no given id): the whole transaction in one hop, without
        a session (memory.db.fastwrite). Call under the lock."""
        out: dict[int, SaveResult | BatchFailure] = {}
        adds: dict[CubeKey, list[tuple[int, np.ndarray]]] = defaultdict(list)
        docs: list[tuple[MemoryRow, str]] = []
        added: list[HistoryRow] = []
        for p in pending:
            self._add_new(p, now, docs, added, adds, out)
        new_gens, lex_adds = await self._write_new(None, docs, added, adds, now)
        self._apply_index(new_gens, adds, {}, lex_adds)
        return out

    async def _write_new(self, s: AsyncSession | None, docs: list[tuple[MemoryRow, str]], added: list[HistoryRow],
                         adds: dict[CubeKey, list[tuple[int, np.ndarray]]], now: datetime
                         ) -> tuple[dict[CubeKey, int], dict[CubeKey, list[DocRow]]]:
        """Write new rows with their history, lexical documents and cube generations: in one hop when
        the driver allows (in the session's transaction, or without a session in one of their own),
        else through the session. Returns (new generations, lexical documents by cube)."""
        rows = [row for row, _ in docs]
        fast = self.fast if rows else None
        statements: Statements | None = None
        if fast is not None:
            statements = []
            fast.insert(statements, rows)
            fast.insert(statements, added)
        else:
            assert s is not None
            s.add_all([*rows, *added])
        lex_adds = _by_cube(docs, await lexical.add_documents(s, docs, statements))
        new_gens = await self._bump(s, set(adds), now, statements=statements)
        if fast is not None and statements:
            await (fast.send(s, statements) if s is not None else fast.transaction(statements))
        return new_gens, lex_adds

    def _add_new(self, p: Pending, now: datetime, docs: list[tuple[MemoryRow, str]], added: list[HistoryRow],
                 adds: dict[CubeKey, list[tuple[int, np.ndarray]]], out: dict[int, SaveResult | BatchFailure],
                 ) -> MemoryRow:
        """A new row for the item, with its history row, lexical document, vector and result."""
        assert p.vector is not None
        row = self._new_row(p, now)
        added.append(history(row, "add", p.item.actor, now, {"kind": row.kind, "tier": row.tier}))
        docs.append((row, p.lexical_doc))
        adds[(row.tenant, row.cube)].append((row.label, p.vector))
        out[p.index] = SaveResult(row_to_memory(row))
        return row

    @staticmethod
    async def _existing_ids(s: AsyncSession, pending: list[Pending]) -> set[str]:
        wanted = [p.item.memory_id for p in pending if p.item.memory_id is not None]
        if not wanted:
            return set()
        return set((await s.execute(select(MemoryRow.id).where(MemoryRow.id.in_(wanted)))).scalars())

    def _reinforce(self, s: AsyncSession, row: MemoryRow, p: Pending, now: datetime) -> None:
        s.add(self.rows.reinforce(row, p, now))

    def _new_row(self, p: Pending, now: datetime) -> MemoryRow:
        return self.rows.memory(p, self._take_label(), p.item.memory_id or str(uuid.uuid4()), now)

    # -- update ---------------------------------------------------------------------------------
    async def update(self, memory_id: str, *, content: str | None, tags: Sequence[str] | None,
                     metadata: dict[str, Any] | None, tier: Tier | None, importance: float | None,
                     actor: str | None) -> Memory:
        vec = emotions = summary = None
        if content is not None:
            vec = (await self.e.embeddings.passages([await self._update_text(memory_id, content)]))[0]
            probe = MemoryInput(scope=Scope(), content=content)  # only its text is analysed
            emotions, summary = (await asyncio.to_thread(self.e.enricher.enrich, [(probe, Kind.CONTENT)]))[0]
        async with self.lock:
            now = self.e.clock.now()
            adds: dict[CubeKey, list[tuple[int, np.ndarray]]] = {}
            removes: dict[CubeKey, list[int]] = {}
            lex_adds: dict[CubeKey, list[DocRow]] = {}
            async with self.e.sessions.begin() as s:
                row = await s.get(MemoryRow, memory_id)
                if row is None:
                    raise NotFoundError(f"memory {memory_id} not found", field="id")
                key = (row.tenant, row.cube)
                changes: dict[str, Any] = {}
                if content is not None and content != row.content and vec is not None:
                    old = row.label
                    row.label, row.content = self._take_label(), content
                    row.embedding = np.asarray(vec, dtype=np.float32).tobytes()
                    row.emotions = [[e.label, e.score] for e in emotions or []]
                    row.summary = summary or ""
                    await lexical.remove_documents(s, [old])
                    docs = [(row, index_document(self._lexical_text(row)))]
                    lex_adds = _by_cube(docs, await lexical.add_documents(s, docs))
                    removes[key], adds[key] = [old], [(row.label, vec)]
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
                s.add(history(row, "update", actor, now, changes))
                new_gens = await self._bump(s, set(adds), now, freed_labels=True) if adds else {}
            self._apply_index(new_gens, adds, removes, lex_adds)
            return row_to_memory(row)

    async def _update_text(self, memory_id: str, content: str) -> str:
        """What a memory's new content is embedded as: for a turn, the new words as its message, with
        its speaker and the turns before it (as when it was saved)."""
        async with self.e.sessions() as s:
            row = await s.get(MemoryRow, memory_id)
            if row is None or row.kind != Kind.TURN.value:
                return content
            s.expunge(row)
            row.user_message, row.ai_message = content, None
            return await embed_text_for_row(s, row, self.e.turn_text)

    def _lexical_text(self, row: MemoryRow) -> str:
        if row.kind != Kind.TURN.value:
            return row.content
        speaker = speaker_label(row.user_id, row.meta) if self.e.turn_text.speaker_names else None
        return labelled_turn(row.content, None, speaker)

    # -- delete ---------------------------------------------------------------------------------
    async def delete(self, f: MemoryFilter, *, actor: str | None, now: datetime | None) -> list[str]:
        async with self.lock:
            at = self.e.clock.now()
            removes: dict[CubeKey, list[int]] = defaultdict(list)
            deleted: list[str] = []
            async with self.e.sessions.begin() as s:
                rows = (await s.execute(select(MemoryRow.id, MemoryRow.label, MemoryRow.tenant, MemoryRow.cube,
                                               MemoryRow.user_id, MemoryRow.kind, MemoryRow.tier)
                                        .where(*filter_clauses(f, now=now)))).all()
                for start in range(0, len(rows), DELETE_CHUNK):
                    chunk = rows[start:start + DELETE_CHUNK]
                    await s.execute(sql_delete(MemoryRow).where(MemoryRow.id.in_([r.id for r in chunk])))
                    await lexical.remove_documents(s, [r.label for r in chunk])
                    s.add_all(HistoryRow(memory_id=r.id, tenant=r.tenant, cube=r.cube, user_id=r.user_id,
                                         action="delete", actor=actor, at=at,
                                         changes={"kind": r.kind, "tier": r.tier}) for r in chunk)
                for r in rows:
                    removes[(r.tenant, r.cube)].append(r.label)
                    deleted.append(r.id)
                new_gens = await self._bump(s, set(removes), at, freed_labels=True) if removes else {}
            self._apply_index(new_gens, {}, removes)
        return deleted


def _by_cube(docs: Sequence[tuple[MemoryRow, str]], stored: list[DocRow]) -> dict[CubeKey, list[DocRow]]:
    """What add_documents stored, grouped by the cube of the row each came from."""
    out: dict[CubeKey, list[DocRow]] = defaultdict(list)
    for (row, _), doc in zip(docs, stored, strict=True):
        out[(row.tenant, row.cube)].append(doc)
    return out

