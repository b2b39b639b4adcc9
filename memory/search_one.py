"""The fast path of a search in one cube: everything but the query's embedding overlaps it or
follows it in a single worker hop.

Measured at 100k memories in one cube on 2 cores, a search's own time (beyond embedding the query)
was mostly waiting: thread hops, database round trips through SQLAlchemy's async layer, FTS5 ranking.
Here, while the query is embedded, the lexical side runs (in-memory BM25, memory.index.postings) and
reads its candidates' rows (memory.db.fastread), and a narrow scope's labels are read; once the
vector is known, one hop to the reader's thread finds the nearest neighbours and reads the rows of
those not already read. Used when the reader answers the filter and the cube's postings are built;
the general path in MemoryEngine.search answers everything else with the same ranking.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from memory.db.fastread import FastRow
from memory.embedding.service import EmbeddingService
from memory.index import lexical
from memory.search import Candidate, Retriever, narrows_cube
from memory.text.tokenize import query_terms
from memory.types import MemoryFilter


@dataclass(slots=True)
class OneCube:
    qvec: np.ndarray
    candidates: dict[int, Candidate]
    rows: list[FastRow]
    vectors: dict[int, np.ndarray]  # the rows' stored vectors, when asked for (diversity compares them)


async def search_one_cube(retriever: Retriever, embeddings: EmbeddingService, f: MemoryFilter, now: datetime,
                          query: str, n: int, *, vectors: bool = False) -> OneCube | None:
    """Candidates (cosines filled) and their rows, or None when the general path must answer."""
    reader = retriever.reader
    if f.tenant is None or f.cube is None or reader is None or not reader.handles(f):
        return None
    state, postings = retriever.indexes.get(f.tenant, f.cube), retriever.indexes.postings(f.tenant, f.cube)
    if state is None or postings is None:
        return None
    index, cap = state.index, retriever.options.exact_search_max
    exact = narrows_cube(f) or index.alive <= cap
    user = None if f.user_id is None else lexical.user_token(f.tenant, f.cube, f.user_id)

    whole = exact and not narrows_cube(f)  # a small cube, unfiltered: every live vector, no SQL

    async def scope() -> np.ndarray | None:
        if whole:
            await retriever.indexes.ensure_matrix(f.tenant, f.cube)  # type: ignore[arg-type]
        return await reader.labels(f, now, limit=cap + 1) if exact and not whole else None

    async def lexical_side() -> tuple[list[int], list[FastRow]]:
        found = await asyncio.to_thread(lambda: postings.search(query_terms(query), user, n))
        return found, (await reader.rows(found, f, now, vectors=True) if found else [])

    qvec, labels, (lex, lex_rows) = await asyncio.gather(embeddings.query(query), scope(), lexical_side())
    if labels is not None:
        if len(labels) > cap:  # a large filtered scope: the general path over-fetches from HNSW
            return None
        await retriever.indexes.ensure_matrix(f.tenant, f.cube)
    if whole and index.matrix is None:
        return None

    lex_set = set(lex)

    def nearest() -> tuple[list[int], list[tuple[int, float]]]:
        """(labels whose rows are still needed, dense top-n as (label, cosine))."""
        if whole:  # expired memories are dropped with the rows, as on the HNSW path
            found, sims = index.exact(qvec, None, n)
        else:
            found, sims = index.knn(qvec, n) if labels is None else index.exact(qvec, labels, n)
        return [x for x in found.tolist() if x not in lex_set], list(zip(found.tolist(), sims.tolist()))

    dense, dense_rows = await reader.rows_after(nearest, f, now, vectors=vectors)
    cands = retriever.fuse(dense, lex)
    rows = lex_rows + dense_rows
    for r in lex_rows:  # lexical-only candidates: their cosine from the stored vector
        cand = cands[r.label]
        if math.isnan(cand.cosine):
            cand.cosine = float(np.frombuffer(r.embedding, dtype=np.float32) @ qvec)
    stored = {r.label: np.frombuffer(r.embedding, dtype=np.float32) for r in rows} if vectors else {}
    return OneCube(qvec, cands, rows, stored)
