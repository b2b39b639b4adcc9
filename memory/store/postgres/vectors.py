"""Nearest neighbours in PostgreSQL: one partial HNSW index per embedding dimension, over the vector
column cast to that dimension, and queries that order by the same expression so the planner uses it.

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
from sqlalchemy import ColumnElement, bindparam, cast, func, select, text, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from memory.store.postgres.connect import EF_SEARCH, LARGE_EF_SEARCH, LARGE_TABLE, MAX_EF_SEARCH
from memory.store.postgres.filters import filter_clauses
from memory.store.postgres.tables import Float32Vector, memories
from memory.types import MemoryFilter


def index_name(dim: int) -> str:
    return f"ix_memories_hnsw_{int(dim)}"


# The graph's degree and build breadth (pgvector's defaults: 16 and 64). Chosen on the scale benchmark's
# 250k cube (docs/benchmarks.md, "Scale"): at 16/64 no ef_search reached recall@10 0.95 within the
# search budget. An index keeps the parameters it was built with: see the README to rebuild one.
HNSW_M = 24
HNSW_EF_CONSTRUCTION = 200


def index_ddl(dim: int) -> str:
    dim = int(dim)
    return (f"CREATE INDEX IF NOT EXISTS {index_name(dim)} ON memories USING hnsw "
            f"((embedding::vector({dim})) vector_cosine_ops) "
            f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION}) WHERE embedding_dim = {dim}")


async def ensure_indexes(conn: AsyncConnection, dims: Iterable[int]) -> None:
    """Create the HNSW index of each dimension if missing. Serialised across processes by an advisory lock
    held to the end of the caller's transaction (two processes starting at once would both try). An index
    that exists is not touched: even `CREATE INDEX IF NOT EXISTS` first takes a SHARE lock on `memories`,
    which waits for every open write of the other processes and holds new ones back meanwhile."""
    wanted = sorted(set(int(d) for d in dims))
    if not wanted:
        return
    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('omoide.hnsw_indexes'))"))
    for dim in wanted:
        if (await conn.execute(text("SELECT to_regclass(:name)"), {"name": index_name(dim)})).scalar() is None:
            await conn.execute(text(index_ddl(dim)))


async def drop_indexes(conn: AsyncConnection) -> None:
    """Drop every HNSW index on memories (a bulk load builds them after the rows: ensure_indexes)."""
    names = (await conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'memories' "
                                     "AND indexname LIKE 'ix_memories_hnsw_%'"))).scalars()
    for name in list(names):
        await conn.execute(text(f'DROP INDEX "{name}"'))


async def stored_dims(conn: AsyncConnection) -> list[int]:
    return list((await conn.execute(select(memories.c.embedding_dim).distinct())).scalars())


def distance(qvec: np.ndarray) -> ColumnElement[float]:
    """Cosine distance to the query in the indexed expression (`embedding::vector(dim) <=> query`)."""
    dim = len(qvec)
    return distance_to(bindparam(None, np.asarray(qvec, dtype=np.float32), type_=Float32Vector(dim)), dim)


def distance_to(query: ColumnElement[Any], dim: int) -> ColumnElement[float]:
    """Cosine distance from the indexed expression to `query` (a vector of `dim`)."""
    column: Any = cast(memories.c.embedding, Float32Vector(dim))
    return column.cosine_distance(query)  # type: ignore[no-any-return]


def ef_for(k: int, table_rows: float) -> int:
    """The candidate list a search of k wants: twice k, and LARGE_EF_SEARCH in a large table; at most
    pgvector's largest (MAX_EF_SEARCH: a larger value is an error), beyond which the iterative scan
    goes on walking the graph until the statement's LIMIT is met."""
    return min(max(2 * k, LARGE_EF_SEARCH if table_rows > LARGE_TABLE else EF_SEARCH), MAX_EF_SEARCH)


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
                       exact: bool = False, table_rows: float = 0.0) -> list[list[tuple[int, float]]]:
    """`nearest` for many query vectors in one statement (a save's duplicate checks: one round trip for a
    batch of 2,000, each query an HNSW scan of its own through a LATERAL join, or with `exact` a sort of
    the scope's rows: a small scope). Call inside a transaction."""
    if not len(queries):
        return []
    dim = queries.shape[1]
    vector = Float32Vector(dim)
    given = (func.unnest(bindparam("queries", list(np.asarray(queries, dtype=np.float32)), type_=ARRAY(vector)))
             .table_valued("v", with_ordinality="i").render_derived(with_types=False).alias("q"))
    column: Any = cast(memories.c.embedding, vector)
    dist = column.cosine_distance(cast(given.c.v, vector))
    dist = (dist + 0.0 if exact else dist).label("distance")  # + 0.0: an order the HNSW index does not serve
    near = (select(memories.c.label, dist)
            .where(memories.c.embedding_dim == dim, *filter_clauses(f, now=now))
            .order_by(dist).limit(k).lateral("near"))
    if not exact:
        await scan_settings(conn, ef_for(k, table_rows))
    rows = await conn.execute(select(given.c.i, near.c.label, near.c.distance).select_from(given.join(near, true()))
                              .order_by(given.c.i, near.c.distance))
    out: list[list[tuple[int, float]]] = [[] for _ in range(len(queries))]
    for i, label, d in rows:
        out[int(i) - 1].append((int(label), 1.0 - float(d)))
    return out
