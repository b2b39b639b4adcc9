"""The fast path of a search in one cube: everything but the query's embedding overlaps it or
follows it in a single worker hop.

Measured at 100k memories in one cube on 2 cores, a search's own time (beyond embedding the query)
was mostly waiting: thread hops, database round trips through SQLAlchemy's async layer, FTS5 ranking.
Here a narrow scope's labels are read while the query is embedded; once the vector is known, one job
on the reader's thread (memory.db.fastread) ranks the lexical side (in-memory BM25,
memory.index.postings), finds the nearest neighbours, reads what ranking needs of every candidate (its
label, importance, creation time and stored vector), ranks them (memory.hits, when the engine hands its
ranking over) and reads whole rows only for the hits. (Running the lexical side beside the embedding
measured no faster: on 2 cores the model already uses both, so what runs beside it slows it by as much.
Beside hnswlib's search of a large cube, which runs on one core with the GIL released, it does: the
reader's second thread ranks it there, handed the work as the job is, so that both threads wake at once.)
With the query's vector known, a small scope's job runs on the event loop's thread instead, and so does a
cube's up to INLINE_HNSW_MAX but for hnswlib's search: no thread hand-off (docs/benchmarks.md, issue 19's
fifth round). Used when the reader answers the filter and the cube's postings are built; the general path
in MemoryEngine.search answers everything else with the same ranking.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import numpy as np

from memory.observe import NO_OBSERVER, Observer
from memory.search import Retriever, fuse, narrows_cube, postings_search
from memory.store.base import StoredRow
from memory.store.candidates import Candidate, Rank
from memory.types import Memory, MemoryFilter, SearchHit

# INLINE: what a search run on the event loop's thread holds it for, measured under load (another
# bench.peers run beside, load average 4-5 on 2 cores): a whole cube of 4,096 memories (exact_search_max)
# p50 1.0 / p99 1.3 / max 1.4 ms of the loop's CPU time; at 100k in one cube (HNSW) p50 ~1.3 ms, the BM25 of a
# query full of common words more (postings: linear in the cube). Up to INLINE_HNSW_MAX the HNSW search
# runs on the reader's second thread meanwhile, and the loop waits for it at most SPIN_S before it awaits.
INLINE_HNSW_MAX = 100_000
SPIN_S = 0.001
Embed = Callable[[], Awaitable[np.ndarray]]
EmbedNow = Callable[[], np.ndarray]
Memories = Callable[[Sequence[int]], dict[int, Memory]]


@dataclass(slots=True)
class OneCube:
    qvec: np.ndarray
    candidates: dict[int, Candidate]
    rows: list[StoredRow]
    vectors: dict[int, np.ndarray]  # the rows' stored vectors, when asked for (diversity compares them)
    hits: list[SearchHit] | None = None  # ranked in the same job (then no rows or vectors)


def _poll(job: Future[Any], seconds: float) -> bool:
    """Whether `job` is done within `seconds`, polled (waking on its result costs this machine's thread
    wake-up, 0.1-0.3 ms); each poll lets go of the GIL, which the job takes back to hand its result over."""
    until = time.perf_counter() + seconds
    while not job.done() and time.perf_counter() < until:
        time.sleep(0)
    return job.done()


async def search_one_cube(retriever: Retriever, embed: Embed, f: MemoryFilter, now: datetime,
                          query: str, n: int, *, vectors: bool = False, observer: Observer = NO_OBSERVER,
                          embed_now: EmbedNow | None = None, rank: Rank | None = None,
                          vector: np.ndarray | None = None, inline: bool = True) -> OneCube | None:
    """Candidates (cosines filled) and their rows, or None when the general path must answer. With
    `embed_now` (the query's embedding on the calling thread) a whole small cube or a large one is
    searched in one job on the reader's thread, embedding included: one thread hop instead of two. With
    `rank` the same job ranks the candidates too (reading whole rows only for the hits) and returns hits.
    With the query's vector known first (`vector` given, or embedded while the model was busy), a scope
    searched exactly (at most `exact_search_max` memories) runs that same job, if `inline`, on the event
    loop's thread: no hop at all (see INLINE above for what that blocks the loop)."""
    reader = retriever.reader
    if f.tenant is None or f.cube is None or not reader.handles(f):
        return None
    state, postings = retriever.indexes.get(f.tenant, f.cube), retriever.indexes.postings(f.tenant, f.cube)
    if state is None or postings is None:
        return None
    index, cap = state.index, retriever.options.exact_search_max
    exact = narrows_cube(f) or index.alive <= cap
    whole = exact and not narrows_cube(f)  # a small cube, unfiltered: every live vector, no SQL

    labels: np.ndarray | None = None
    qvec: np.ndarray | None = vector
    allowed = inline  # INLINE: a small job on the loop's thread (no hand-offs)
    if exact and not whole and qvec is not None:
        labels = await reader.labels(f, now, limit=cap + 1, inline=allowed)
    elif exact and not whole:  # a narrow scope: its labels are read while the model runs
        qvec, labels = await asyncio.gather(embed(), reader.labels(f, now, limit=cap + 1))
    else:
        if whole:
            await retriever.indexes.ensure_matrix(f.tenant, f.cube)
        if qvec is None and embed_now is None:
            qvec = await embed()
    if labels is not None:
        if len(labels) > cap:  # a large filtered scope: the general path over-fetches from HNSW
            return None
        await retriever.indexes.ensure_matrix(f.tenant, f.cube)
    if whole and index.matrix is None:
        return None

    # hnswlib's search releases the GIL: a large cube's BM25 runs beside it on the reader's second thread
    # (measured at 100k in one cube: the two took about as long, one after the other)
    hnsw = labels is None and not whole
    # on the loop's thread: a scope searched exactly, or a cube up to INLINE_HNSW_MAX (hnswlib then on the
    # reader's second thread); not with the model idle and no vector given: the reader's job embeds
    # (measured: embedding on the model's thread first and searching inline after took 1.6 against 0.8 ms
    # beyond the raw embedding at 5.9k)
    inline = allowed and qvec is not None and (exact or index.alive <= INLINE_HNSW_MAX)

    def lexical() -> list[int]:
        with observer.phase("lexical"):
            return postings_search(postings, query, f, n)

    # inline through the graph: hnswlib on the reader's second thread, the BM25 here meanwhile (it holds
    # the GIL: on a thread it gains nothing)
    searching: Future[tuple[np.ndarray, np.ndarray]] | None = None
    lexed: list[int] | None = None
    if hnsw and inline and qvec is not None:
        searching = reader.beside(index.knn, qvec, n)
        lexed = lexical()
        if not _poll(searching, SPIN_S):  # e.g. a save holds the index: wait without holding the loop
            await asyncio.wrap_future(searching)

    # handed to the second thread here rather than from the reader's job: the two threads wake together
    lexing = reader.beside(contextvars.copy_context().run, lexical) if hnsw and not inline else None

    def pick() -> tuple[list[int], tuple[list[int], list[tuple[int, float]], np.ndarray]]:
        """Lexical and dense top-n, and the labels whose rows to read: one job on the reader's thread."""
        if qvec is not None:
            qvec_ = qvec
        else:
            assert embed_now is not None
            qvec_ = embed_now()
        lex = lexed if lexed is not None else lexical() if lexing is None else []
        with observer.phase("vector"):
            if whole:  # expired memories are dropped with the rows, as on the HNSW path
                found, sims = index.exact(qvec_, None, n)
            elif searching is not None:
                found, sims = searching.result()
            else:
                found, sims = index.knn(qvec_, n) if labels is None else index.exact(qvec_, labels, n)
        if lexing is not None:
            lex = lexing.result()
        dense = list(zip(found.tolist(), sims.tolist(), strict=True))
        return list(dict.fromkeys([*lex, *found.tolist()])), (lex, dense, qvec_)

    def fused(lex: list[int], dense: list[tuple[int, float]], qvec: np.ndarray, stored: dict[int, np.ndarray]
              ) -> dict[int, Candidate]:
        cands = fuse(dense, lex)
        for label, vec in stored.items():  # lexical-only candidates: their cosine from the stored vector
            cand = cands[label]
            if math.isnan(cand.cosine):
                cand.cosine = float(vec @ qvec)
        return cands

    # on the reader's thread in this task's context, so the phases' spans have the search as parent
    context = contextvars.copy_context()
    if rank is not None:
        def ranked(payload: tuple[list[int], list[tuple[int, float]], np.ndarray], rows: list[StoredRow],
                   stored: dict[int, np.ndarray], memories: Memories) -> tuple[np.ndarray, dict[int, Candidate],
                                                                               list[SearchHit]]:
            lex, dense, qvec_ = payload
            cands = fused(lex, dense, qvec_, stored)
            return qvec_, cands, context.run(rank, rows, cands, stored if vectors else {}, memories)

        used, cands, hits = await reader.ranked_after(partial(context.run, pick), f, now, ranked, inline=inline)
        return OneCube(used, cands, [], {}, hits)
    (lex, dense, used), rows, stored = await reader.rows_after(partial(context.run, pick), f, now, inline=inline)
    return OneCube(used, fused(lex, dense, used, stored), rows, stored if vectors else {})
