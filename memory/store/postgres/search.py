"""Search candidates in PostgreSQL: the lexical query runs while the query is embedded (it needs no
vector, and the work is the server's), then one statement finds the dense top-n within the filter and
returns their rows with their vectors; lexical-only candidates get their rows and cosines in a second.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from memory.store.base import Candidate, CandidateQuery, CandidateSet
from memory.store.postgres import lexical, vectors
from memory.store.postgres.filters import filter_clauses
from memory.store.postgres.reads import rows_by_label
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
    inner = (select(*ROW_COLUMNS, VECTOR_COLUMN, dist)
             .where(memories.c.embedding_dim == len(qvec), *filter_clauses(q.f, now=q.now))
             .order_by(dist).limit(q.n).subquery())
    await vectors.scan_settings(conn, q.n)
    return list(await conn.execute(select(inner).order_by(inner.c.distance)))


async def candidates(read: Read[Any], q: CandidateQuery) -> CandidateSet:
    async def lexical_side(conn: AsyncConnection) -> list[int]:
        with q.observer.phase("lexical"):
            return await lexical.search(conn, q.text, q.f, q.now, q.n)

    lex_task = asyncio.ensure_future(read(lexical_side))
    try:
        qvec = np.asarray(await q.embed(), dtype=np.float32)
    except BaseException:
        lex_task.cancel()
        raise

    async def dense_side(conn: AsyncConnection) -> list[Row[Any]]:
        async with conn.begin():  # the scan settings are SET LOCAL
            with q.observer.phase("vector"):
                return await dense_rows(conn, q, qvec)

    dense, lex = await asyncio.gather(read(dense_side), lex_task)
    found = fuse([(int(r.label), 1.0 - float(r.distance)) for r in dense], lex)
    rows: list[Any] = list(dense)
    stored = {int(r.label): r.embedding for r in dense}
    missing = [label for label in lex if label not in stored]
    if missing:
        async def lexical_rows(conn: AsyncConnection) -> list[Row[Any]]:
            return await rows_by_label(conn, missing, q.f, q.now, with_vectors=True)
        for r in await read(lexical_rows):
            rows.append(r)
            stored[int(r.label)] = r.embedding
            found[int(r.label)].cosine = float(r.embedding @ qvec)
    for label in [x for x, cand in found.items() if math.isnan(cand.cosine)]:  # gone or filtered out meanwhile
        del found[label]
    return CandidateSet(found, rows, stored if q.with_vectors else {})
