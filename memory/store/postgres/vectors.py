"""Nearest neighbours in PostgreSQL: one partial HNSW index per embedding dimension, over the vector
column cast to that dimension in half precision, and queries that order by the same expression so the
planner uses it (and return the full-precision distance of each row they return).

A filtered query (one user in a large cube, a tag, a time range) runs with pgvector's iterative index
scans (`hnsw.iterative_scan = relaxed_order`, set on every connection: memory.store.postgres.connect):
the scan keeps walking the graph until `k` rows pass the filter instead of stopping after `ef_search`
candidates, so a narrow scope still gets its own top k.
relaxed_order may return rows slightly out of order, so the caller sorts them again. A scope of at most
EXACT_SEARCH_MAX memories (one user in a large cube) is not searched through the graph at all: its rows
are read by their B-tree index and sorted exactly (memory.store.postgres.search), as the SQLite store
does; the iterative scan would walk past the cube's other users first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import numpy as np
from pgvector.sqlalchemy import HALFVEC
from sqlalchemy import ColumnElement, Float, bindparam, cast, func, select, text, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from memory.store.postgres.connect import EF_SEARCH, LARGE_EF_SEARCH, LARGE_TABLE, LEGACY_EF_SEARCH, MAX_EF_SEARCH
from memory.store.postgres.filters import filter_clauses
from memory.store.postgres.tables import Float32Vector, memories
from memory.types import MemoryFilter


def index_name(dim: int) -> str:
    return f"ix_memories_hnsw_half_{int(dim)}"


def full_vector_index_name(dim: int) -> str:
    """The graph a database made before the half-precision one has (see full_vector_graphs)."""
    return f"ix_memories_hnsw_{int(dim)}"


# The graph: over the vectors cast to half precision (halfvec: 2 bytes a dimension, so 326 MB instead of
# 492 at 250k x 384), its degree and build breadth (pgvector's defaults: 16 and 64). Chosen on the scale
# benchmark's 250k cube (docs/benchmarks.md, "Scale"): the full-vector graph at m 24 / ef_construction
# 200 needed ef_search 1,000 for recall@10 0.96 (5.3 ms a query under load); this one gets 0.971 at 500
# (3.1 ms) and 0.959 at 400, built in 300 s under load. The distances a search returns are still the
# full vectors' (the graph only orders the walk). An index keeps the parameters it was built with: see
# the README to rebuild one.
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 400


def index_ddl(dim: int, *, concurrently: bool = False) -> str:
    dim = int(dim)
    return (f"CREATE INDEX {'CONCURRENTLY ' if concurrently else ''}IF NOT EXISTS {index_name(dim)} ON memories "
            f"USING hnsw ((embedding::halfvec({dim})) halfvec_cosine_ops) "
            f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION}) WHERE embedding_dim = {dim}")


async def _exists(conn: AsyncConnection, name: str) -> bool:
    return (await conn.execute(text("SELECT to_regclass(:name)"), {"name": name})).scalar() is not None


async def ensure_indexes(conn: AsyncConnection, dims: Iterable[int]) -> None:
    """Create the HNSW index of each dimension if it has none (neither this graph nor the full-vector
    one of a database made before). Serialised across processes by an advisory lock held to the end of
    the caller's transaction (two processes starting at once would both try). An index that exists is
    not touched: even `CREATE INDEX IF NOT EXISTS` first takes a SHARE lock on `memories`, which waits
    for every open write of the other processes and holds new ones back meanwhile."""
    wanted = sorted(set(int(d) for d in dims))
    if not wanted:
        return
    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('omoide.hnsw_indexes'))"))
    for dim in wanted:
        if not await _exists(conn, index_name(dim)) and not await _exists(conn, full_vector_index_name(dim)):
            await conn.execute(text(index_ddl(dim)))


async def full_vector_graphs(conn: AsyncConnection) -> frozenset[int]:
    """Dimensions whose only graph is the full-vector one of a database made before the half-precision
    graph: searched through it (its own expression, vectors.LEGACY_EF_SEARCH) until rebuild_graph."""
    names = set((await conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'memories' "
                                         "AND indexname LIKE 'ix_memories_hnsw_%'"))).scalars())
    dims = {int(dim) for dim in (name.removeprefix("ix_memories_hnsw_") for name in names) if dim.isdigit()}
    return frozenset(dim for dim in dims if full_vector_index_name(dim) in names and index_name(dim) not in names)


async def rebuild_graph(conn: AsyncConnection, dim: int) -> None:
    """Rebuild a dimension's graph without holding writes back (CONCURRENTLY: on an autocommit
    connection): a full-vector graph is replaced by the half-precision one (built first, then the old
    one dropped), a half-precision one rebuilt in place."""
    if await _exists(conn, full_vector_index_name(dim)):
        await conn.execute(text(index_ddl(dim, concurrently=True)))
        await conn.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {full_vector_index_name(dim)}"))
    else:
        await conn.execute(text(f"REINDEX INDEX CONCURRENTLY {index_name(dim)}"))


async def drop_indexes(conn: AsyncConnection) -> None:
    """Drop every HNSW index on memories (a bulk load builds them after the rows: ensure_indexes)."""
    names = (await conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'memories' "
                                     "AND indexname LIKE 'ix_memories_hnsw_%'"))).scalars()
    for name in list(names):
        await conn.execute(text(f'DROP INDEX "{name}"'))


async def stored_dims(conn: AsyncConnection) -> list[int]:
    return list((await conn.execute(select(memories.c.embedding_dim).distinct())).scalars())


def distance(qvec: np.ndarray) -> ColumnElement[float]:
    """Cosine distance to the query in full precision (`embedding::vector(dim) <=> query`)."""
    dim = len(qvec)
    return distance_to(bindparam(None, np.asarray(qvec, dtype=np.float32), type_=Float32Vector(dim)), dim)


def distance_to(query: ColumnElement[Any], dim: int) -> ColumnElement[float]:
    """Cosine distance in full precision from the vectors of `dim` to `query` (a vector of `dim`)."""
    column: Any = cast(memories.c.embedding, Float32Vector(dim))
    return column.cosine_distance(query)  # type: ignore[no-any-return]


def graph_distance_to(query: ColumnElement[Any], dim: int, full_vector_graph: bool = False) -> ColumnElement[float]:
    """The distance the dimension's HNSW index orders by: in half precision (index_ddl), or in full
    precision on a database whose graph is still the full-vector one (full_vector_graphs)."""
    if full_vector_graph:
        return distance_to(query, dim)
    column: Any = cast(memories.c.embedding, HALFVEC(dim))
    distance: Any = column.op("<=>", return_type=Float)(cast(cast(query, Float32Vector(dim)), HALFVEC(dim)))
    return distance  # type: ignore[no-any-return]


def ef_for(k: int, table_rows: float, full_vector_graph: bool = False) -> int:
    """The candidate list a search of k wants: twice k, and LARGE_EF_SEARCH in a large table (the
    full-vector graph of a database made before: LEGACY_EF_SEARCH); at most pgvector's largest
    (MAX_EF_SEARCH: a larger value is an error), beyond which the iterative scan goes on walking the
    graph until the statement's LIMIT is met."""
    large = LEGACY_EF_SEARCH if full_vector_graph else LARGE_EF_SEARCH
    return min(max(2 * k, large if table_rows > LARGE_TABLE else EF_SEARCH), MAX_EF_SEARCH)


_EF_NOW = "omoide.hnsw_ef_search"  # the connection's session-level ef_search (conn.info), when not EF_SEARCH


def session_ef(conn: AsyncConnection) -> int:
    """The candidate list the connection searches with outside a transaction's SET LOCAL."""
    return int(conn.info.get(_EF_NOW, EF_SEARCH))


async def use_ef(conn: AsyncConnection, ef: int) -> None:
    """A candidate list of `ef` for this connection from now on (a session-level setting, remembered in
    the connection's info, which lasts as long as the connection): one round trip when it changes, none
    when it is already set. A large table's searches all want the same longer list, so on a pooled
    connection this runs once rather than making every search a transaction (BEGIN, SET LOCAL, the
    query, COMMIT: four round trips instead of one)."""
    if session_ef(conn) != ef:
        await conn.execute(text("SELECT set_config('hnsw.ef_search', :ef, false)"), {"ef": str(ef)})
        conn.info[_EF_NOW] = ef


async def scan_settings(conn: AsyncConnection, ef: int) -> None:
    """A candidate list of `ef` for this transaction only (SET LOCAL), when the connection's is another
    (memory.store.postgres.connect.SCAN_SETTINGS, or use_ef's). Call inside a transaction."""
    if ef != session_ef(conn):
        await conn.execute(text("SELECT set_config('hnsw.ef_search', :ef, true)"), {"ef": str(ef)})


async def nearest_many(conn: AsyncConnection, queries: np.ndarray, f: MemoryFilter, now: datetime, k: int, *,
                       exact: bool = False, table_rows: float = 0.0, full_vector_graph: bool = False
                       ) -> list[list[tuple[int, float]]]:
    """`nearest` for many query vectors in one statement (a save's duplicate checks: one round trip for a
    batch of 2,000, each query an HNSW scan of its own through a LATERAL join, or with `exact` a sort of
    the scope's rows: a small scope). Call inside a transaction."""
    if not len(queries):
        return []
    dim = queries.shape[1]
    vector = Float32Vector(dim)
    given = (func.unnest(bindparam("queries", list(np.asarray(queries, dtype=np.float32)), type_=ARRAY(vector)))
             .table_valued("v", with_ordinality="i").render_derived(with_types=False).alias("q"))
    query = cast(given.c.v, vector)
    dist = distance_to(query, dim)
    walk = dist + 0.0 if exact else graph_distance_to(query, dim, full_vector_graph)  # + 0.0: not the index's
    near = (select(memories.c.label, dist.label("distance"))
            .where(memories.c.embedding_dim == dim, *filter_clauses(f, now=now))
            .order_by(walk).limit(k).lateral("near"))
    if not exact:
        await scan_settings(conn, ef_for(k, table_rows, full_vector_graph))
    rows = await conn.execute(select(given.c.i, near.c.label, near.c.distance).select_from(given.join(near, true()))
                              .order_by(given.c.i, near.c.distance))
    out: list[list[tuple[int, float]]] = [[] for _ in range(len(queries))]
    for i, label, d in rows:
        out[int(i) - 1].append((int(label), 1.0 - float(d)))
    return out
