"""Search candidates in PostgreSQL: while the query is embedded, its lexical terms and their statistics
are read (one small statement); then the lexical statement and the dense one run beside each other on two
connections, each returning its rows with their vectors. Lexical-only candidates get their cosine from
their stored vector.

Whether the scope is small enough to search exactly is counted once and remembered for a while
(ScopeSizes), and a large table's longer HNSW candidate list stays set on the pooled connection
(vectors.use_ef): a warm search makes three round trips (the lexical weights, the lexical rows, the dense
rows) instead of seven (the count beside them, which also takes CPU from the model on a small machine,
and BEGIN, SET LOCAL and COMMIT around the dense statement). The lexical rows statement used to run
beside the model: on 2 cores its CPU (scoring ~2,500 documents at 250k) slowed the model by 1-2.5 ms.
Beside the dense statement it uses the core the graph walk leaves idle: interleaved at 250k, paired p50
over the raw embed, whole cube -0.3 to -0.6 ms in four runs, one user -0.5 to +0.1; at 10k even
(+0.12 / -0.16 ms).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Float, Integer, Row, Select, bindparam, func, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection

from memory.search import fuse
from memory.store.candidates import CandidateQuery, CandidateSet
from memory.store.postgres import lexical, vectors
from memory.store.postgres.filters import clauses_of, filter_values
from memory.store.postgres.records import VECTOR_COLUMN
from memory.store.postgres.tables import ROW_COLUMNS, Float32Vector, memories
from memory.types import MemoryFilter

T = TypeVar("T")
Read = Callable[[Callable[[AsyncConnection], Awaitable[T]]], Awaitable[T]]


# Statements built once per (dimension, filter shape, exact or not) and run with bound values: building
# and cache-keying a select of 27 columns cost more client CPU per search than everything else in it.
_DENSE: dict[tuple[Any, ...], Select[Any]] = {}
_SCOPE_SIZE: dict[tuple[str, ...], Select[Any]] = {}


def dense_statement(dim: int, shape: Iterable[str], exact: bool, full_vector_graph: bool = False) -> Select[Any]:
    """The dense top-n within a filter of this shape: parameters `q` (the query vector), `n` and the
    filter's (filters.filter_values). Exact: ordered by an expression the HNSW index does not serve,
    so PostgreSQL reads the scope by its B-tree index and sorts every row of it: the sort carries only
    labels and distances, and the n nearest rows are read after it by label (sorting the scope's whole
    rows, vectors included, cost a millisecond more for one user of 2,500 memories). Through the graph:
    ordered by the distance its index walks (vectors.graph_distance_to), each row's full-precision one
    returned."""
    key = (dim, tuple(shape), exact, full_vector_graph)
    stmt = _DENSE.get(key)
    if stmt is None:
        values = dict.fromkeys(key[1])
        dist = vectors.distance_to(bindparam("q", type_=Float32Vector(dim)), dim)
        label = (dist + 0.0 if exact else dist).label("distance")
        nearest = [memories.c.embedding_dim == dim, *clauses_of(values)]
        limit = bindparam("n", type_=Integer)
        if exact:
            near = select(memories.c.label, label).where(*nearest).order_by(label).limit(limit).subquery("near")
            built: Select[Any] = (select(*ROW_COLUMNS, VECTOR_COLUMN, near.c.distance)
                                  .select_from(near.join(memories, memories.c.label == near.c.label)))
        else:  # the index scan reads only the rows it returns: nothing to split
            walk = vectors.graph_distance_to(bindparam("q", type_=Float32Vector(dim)), dim, full_vector_graph)
            built = select(*ROW_COLUMNS, VECTOR_COLUMN, label).where(*nearest).order_by(walk).limit(limit)
        stmt = _DENSE[key] = built
    return stmt


def scope_size_statement(shape: Iterable[str]) -> Select[Any]:
    """How many memories the filter selects, counted up to parameter `cap` (its B-tree index only), and
    the planner's estimate of the whole table's rows (-1 before it was first analysed)."""
    key = tuple(shape)
    stmt = _SCOPE_SIZE.get(key)
    if stmt is None:
        scope = select(literal(1)).where(*clauses_of(dict.fromkeys(key))).limit(bindparam("cap", type_=Integer))
        table_rows = literal_column("(SELECT reltuples FROM pg_class WHERE oid = 'memories'::regclass)", Float)
        counted: Select[Any] = select(func.count(), table_rows).select_from(scope.subquery("scope"))
        stmt = _SCOPE_SIZE[key] = counted
    return stmt


async def dense_rows(conn: AsyncConnection, q: CandidateQuery, qvec: np.ndarray, *, exact: bool = False,
                     full_vector_graph: bool = False) -> list[Row[Any]]:
    """The dense top-n rows within the filter, with distance and vector, nearest first (one statement)."""
    values = filter_values(q.f, now=q.now)
    stmt = dense_statement(len(qvec), values, exact, full_vector_graph)
    # relaxed_order scans may return rows slightly out of order (and the graph's half-precision order is
    # not quite the full vectors'): sorted here (n rows) rather than by an
    # outer query, whose subquery costs SQLAlchemy a copy of every column to build and to cache-key
    rows = await conn.execute(stmt, {**values, "q": qvec, "n": q.n})
    return sorted(rows, key=lambda r: float(r.distance))


async def scope_size(conn: AsyncConnection, f: MemoryFilter, now: datetime, cap: int) -> tuple[bool, float]:
    """(At most `cap` memories in the filter's scope, the table's estimated rows). A small scope is read
    exactly, faster than the HNSW scan walks to it (one user in a large cube: the iterative scan visits
    the cube's other users first); a large table's graph search wants a longer list (vectors.ef_for)."""
    values = filter_values(f, now=now)
    found, table_rows = (await conn.execute(scope_size_statement(values), {**values, "cap": cap + 1})).one()
    return int(found) <= cap, float(table_rows or 0.0)


class ScopeSizes:
    """Recent answers of scope_size for filters of scope columns only (a cube, a user or a session in
    it), so most searches skip the count: kept TTL seconds (another process's writes and deletes, or
    expiries, change a scope meanwhile), a small scope's forgotten when this process writes to its cube,
    and every answer forgotten when this process deletes. A stale answer only picks the other search
    method for a while: exact on a scope that grew (still exact, slower), HNSW on one that shrank. A
    chat user's scope grows by a memory or two a minute, so minutes of staleness cost nothing."""

    TTL = 300.0
    MAX_ENTRIES = 10_000  # scopes remembered at once (then all are forgotten and counted again)
    _SCOPE_ONLY = frozenset({"f_tenant", "f_cube", "f_user_id", "f_session_id", "f_now"})

    def __init__(self) -> None:
        self._known: dict[tuple[Any, ...], tuple[float, bool, float]] = {}

    @classmethod
    def _key(cls, values: dict[str, Any]) -> tuple[Any, ...] | None:
        if "f_tenant" not in values or "f_cube" not in values or not values.keys() <= cls._SCOPE_ONLY:
            return None
        return (values["f_tenant"], values["f_cube"], values.get("f_user_id"), values.get("f_session_id"))

    def known(self, values: dict[str, Any]) -> tuple[bool, float] | None:
        key = self._key(values)
        hit = self._known.get(key) if key is not None else None
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1], hit[2]

    def note(self, values: dict[str, Any], small: bool, table_rows: float) -> None:
        key = self._key(values)
        if key is not None:
            if len(self._known) >= self.MAX_ENTRIES:
                self._known.clear()
            self._known[key] = (time.monotonic() + self.TTL, small, table_rows)

    def grew(self, cubes: Iterable[tuple[str, str]]) -> None:
        """This process wrote to these cubes: their small scopes may be large now."""
        wrote = set(cubes)
        for key in [k for k, (_, small, _) in self._known.items() if small and (k[0], k[1]) in wrote]:
            del self._known[key]

    def forget(self) -> None:
        self._known.clear()


async def candidates(read: Read[Any], q: CandidateQuery, exact_max: int, sizes: ScopeSizes,
                     full_vector_graphs: frozenset[int] = frozenset()) -> CandidateSet:
    """While the query is embedded: its lexical terms and their statistics (and the scope's size unless
    `sizes` knows it). Then, beside each other on two connections: the lexical statement and the dense
    one, exact for a scope of at most `exact_max` memories, as the SQLite store searches one
    (EngineOptions.exact_search_max), HNSW for a larger one (`full_vector_graphs`: the dimensions whose
    graph is still a database's earlier full-vector one, vectors.full_vector_graphs)."""
    async def scope_side() -> tuple[bool, float]:
        values = filter_values(q.f)
        known = sizes.known(values)
        if known is None:
            known = await read(lambda conn: scope_size(conn, q.f, q.now, exact_max))
            sizes.note(values, *known)
        return known

    weights_task = asyncio.ensure_future(read(lambda conn: lexical.query_weights(conn, q.text)))
    size_task = asyncio.ensure_future(scope_side())
    try:
        qvec = np.asarray(await q.embed(), dtype=np.float32)
        small, table_rows = await size_task  # an index-only count of at most exact_max + 1 rows: done before the model
        weighed = await weights_task
    except BaseException:
        weights_task.cancel()
        size_task.cancel()
        raise

    async def lexical_side(conn: AsyncConnection) -> list[Row[Any]]:
        with q.observer.phase("lexical"):
            return await lexical.best(conn, weighed, q.f, q.now, q.n, *ROW_COLUMNS, VECTOR_COLUMN)

    async def dense_side(conn: AsyncConnection) -> list[Row[Any]]:
        with q.observer.phase("vector"):
            legacy = len(qvec) in full_vector_graphs
            if not small:  # a longer candidate list for a large table or a large n, kept on the connection
                await vectors.use_ef(conn, vectors.ef_for(q.n, table_rows, legacy))
            return await dense_rows(conn, q, qvec, exact=small, full_vector_graph=legacy)

    lex: list[Row[Any]] = []
    if weighed is None:  # no query term occurs anywhere: nothing lexical to read
        dense = await read(dense_side)
    else:
        dense, lex = await asyncio.gather(read(dense_side), read(lexical_side))
    found = fuse([(int(r.label), 1.0 - float(r.distance)) for r in dense], [int(r.label) for r in lex])
    rows: list[Any] = list(dense)
    stored = {int(r.label): r.embedding for r in dense}
    for r in lex:
        if int(r.label) not in stored:
            rows.append(r)
            stored[int(r.label)] = r.embedding
            found[int(r.label)].cosine = float(r.embedding @ qvec)
    return CandidateSet(found, rows, stored if q.with_vectors else {})
