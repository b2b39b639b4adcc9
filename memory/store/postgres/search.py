"""Search candidates in PostgreSQL: the lexical query runs while the query is embedded (it needs no
vector, and the work is the server's) and returns its rows with their vectors; then one statement finds
the dense top-n within the filter with theirs. Lexical-only candidates get their cosine from their
stored vector.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from memory.store.base import Candidate, CandidateQuery, CandidateSet
from memory.store.postgres import lexical, vectors
from memory.store.postgres.connect import EF_SEARCH
from memory.store.postgres.filters import filter_clauses
from memory.store.postgres.records import VECTOR_COLUMN
from memory.store.postgres.tables import ROW_COLUMNS, memories

T = TypeVar("T")
Read = Callable[[Callable[[AsyncConnection], Awaitable[T]]], Awaitable[T]]


def fuse(dense: list[tuple[int, float]], lexical_labels: list[int]) -> dict[int, Candidate]:
    """Dense ranks with their cosines, then lexical ranks (cosine NaN until read)."""
    out: dict[int, Candidate] = {}
    for rank, (label, cos) in enumerate(dense, 1):
        out[label] = Candidate(label, cos, dense_rank=rank)
    for rank, label in enumerate(lexical_labels, 1):
        out.setdefault(label, Candidate(label, float("nan"))).lexical_rank = rank
    return out


async def dense_rows(conn: AsyncConnection, q: CandidateQuery, qvec: np.ndarray) -> list[Row[Any]]:
    """The dense top-n rows within the filter, with distance and vector, nearest first (one statement)."""
    dist = vectors.distance(qvec).label("distance")
    stmt = (select(*ROW_COLUMNS, VECTOR_COLUMN, dist)
            .where(memories.c.embedding_dim == len(qvec), *filter_clauses(q.f, now=q.now))
            .order_by(dist).limit(q.n))
    # relaxed_order scans may return rows slightly out of order: sorted here (n rows) rather than by an
    # outer query, whose subquery costs SQLAlchemy a copy of every column to build and to cache-key
    return sorted(await conn.execute(stmt), key=lambda r: float(r.distance))


async def candidates(read: Read[Any], read_in_transaction: Read[Any], q: CandidateQuery) -> CandidateSet:
    """The lexical side (its rows and vectors included) runs while the query is embedded; then the
    dense side, one statement. Two round trips in all, one of them hidden behind the model."""
    async def lexical_side(conn: AsyncConnection) -> list[Row[Any]]:
        with q.observer.phase("lexical"):
            return await lexical.ranked(conn, q.text, q.f, q.now, q.n, *ROW_COLUMNS, VECTOR_COLUMN)

    lex_task = asyncio.ensure_future(read(lexical_side))
    try:
        qvec = np.asarray(await q.embed(), dtype=np.float32)
    except BaseException:
        lex_task.cancel()
        raise

    async def dense_side(conn: AsyncConnection) -> list[Row[Any]]:
        with q.observer.phase("vector"):
            await vectors.scan_settings(conn, q.n)  # a longer candidate list, when n asks for one
            return await dense_rows(conn, q, qvec)

    wide = 2 * q.n > EF_SEARCH  # SET LOCAL needs a transaction; the connection's settings need none
    dense, lex = await asyncio.gather((read_in_transaction if wide else read)(dense_side), lex_task)
    found = fuse([(int(r.label), 1.0 - float(r.distance)) for r in dense], [int(r.label) for r in lex])
    rows: list[Any] = list(dense)
    stored = {int(r.label): r.embedding for r in dense}
    for r in lex:
        if int(r.label) not in stored:
            rows.append(r)
            stored[int(r.label)] = r.embedding
            found[int(r.label)].cosine = float(r.embedding @ qvec)
    return CandidateSet(found, rows, stored if q.with_vectors else {})
