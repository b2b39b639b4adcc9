"""PostgresStore's HNSW graph on a real PostgreSQL 18 + pgvector: long candidate lists, the graph's
parameters, full-precision cosines from the half-precision walk, and a database with the earlier
full-vector graph (searched through it until `reindex`)."""

from __future__ import annotations

import numpy as np
from sqlalchemy import text

from memory.store.candidates import CandidateQuery
from memory.store.postgres import PostgresStore, search
from memory.store.postgres.vectors import HNSW_EF_CONSTRUCTION, HNSW_M, full_vector_index_name, index_name
from memory.types import MemoryFilter
from tests.test_postgres_store import DIM, NOW, RNG, record, save, unit


async def test_a_search_for_many_candidates_through_the_graph_returns_them(store: PostgresStore) -> None:
    """A long candidate list (a large top_k: the engine asks for twice as many) through the HNSW graph
    returns every candidate, nearest first; pgvector's ef_search stops at 1,000, the scan goes on."""
    store.exact_max = 0  # every scope through the graph
    n = 700
    vecs = unit(RNG.normal(size=(n, DIM)))
    recs = await save(store, *(record(f"note {i}") for i in range(n)), vecs=vecs)
    query = unit(RNG.normal(size=DIM))

    async def embed() -> np.ndarray:
        return query
    found = await store.candidates(CandidateQuery(MemoryFilter(tenant="t", cube="c"), "note", embed, 600, NOW))
    dense = sorted((c for c in found.candidates.values() if c.dense_rank), key=lambda c: c.dense_rank or 0)
    exact = [recs[i].label for i in np.argsort(-(vecs @ query))[:600]]
    assert len(dense) == 600 and len({c.label for c in dense} & set(exact)) >= 570
    assert [c.cosine for c in dense] == sorted((c.cosine for c in dense), reverse=True)
    nearest = (await store.nearest(MemoryFilter(tenant="t", cube="c"), query[None, :], 600, NOW))[0]
    assert len(nearest) == 600


async def test_a_new_database_gets_its_vector_index_with_the_chosen_graph_parameters(store: PostgresStore) -> None:
    async with store.db.connect() as conn:
        ddl = (await conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
                                  {"name": index_name(DIM)})).scalar_one()
    assert f"m='{HNSW_M}'" in ddl and f"ef_construction='{HNSW_EF_CONSTRUCTION}'" in ddl, ddl
    assert f"halfvec({DIM})) halfvec_cosine_ops" in ddl, ddl  # half precision: the index at half the size
    assert HNSW_M > 16 and HNSW_EF_CONSTRUCTION > 64  # above pgvector's defaults (16, 64): see vectors.py


async def test_searches_through_the_graph_return_full_precision_cosines(store: PostgresStore) -> None:
    """The graph orders its walk in half precision; the cosines a search returns are the full vectors'
    (half precision would be off by ~1e-4, enough to reorder near ties and move a duplicate threshold)."""
    store.exact_max = 0  # every scope through the graph
    vecs = unit(RNG.normal(size=(200, DIM)))
    recs = await save(store, *(record(f"note {i}") for i in range(200)), vecs=vecs)
    query = unit(RNG.normal(size=DIM))
    exact = {r.label: float(v.astype(np.float64) @ query.astype(np.float64)) for r, v in zip(recs, vecs, strict=True)}
    nearest = (await store.nearest(MemoryFilter(tenant="t", cube="c"), query[None, :], 10, NOW))[0]
    assert len(nearest) == 10 and all(abs(cos - exact[label]) < 1e-6 for label, cos in nearest)

    async def embed() -> np.ndarray:
        return query
    found = await store.candidates(CandidateQuery(MemoryFilter(tenant="t", cube="c"), "zzz", embed, 10, NOW))
    dense = [c for c in found.candidates.values() if c.dense_rank]
    assert len(dense) == 10 and all(abs(c.cosine - exact[c.label]) < 1e-6 for c in dense)
    assert [c.label for c in sorted(dense, key=lambda c: c.dense_rank or 0)] == [x for x, _ in nearest]


async def walked_index(store: PostgresStore, query: np.ndarray) -> str:
    """The index a whole-cube search's dense statement walks (its plan, through auto_explain; sorting is
    priced out, as in a large table, so only an index ordered by the statement's distance serves it)."""
    plans: list[str] = []
    async with store.db.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        raw.add_log_listener(lambda _conn, message: plans.append(message.message))
        for statement in ("LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0",
                          "SET enable_sort = off", "SET client_min_messages = log"):
            await conn.execute(text(statement))

        async def embed() -> np.ndarray:
            return query
        q = CandidateQuery(MemoryFilter(tenant="t", cube="c"), "", embed, 10, NOW)
        await search.dense_rows(conn, q, query, full_vector_graph=DIM in store.full_vector_graphs)
        await conn.rollback()
    walked = [name for plan in plans for name in (index_name(DIM), full_vector_index_name(DIM))
              if f"Index Scan using {name} " in plan]
    assert len(walked) == 1, plans
    return walked[0]


async def test_a_database_with_the_earlier_full_vector_graph_walks_it_until_reindexed(pg_url: str) -> None:
    """A database made before the half-precision graph keeps its full-vector index (a start never builds
    one over a large table: that would hold writes back) and its searches walk it, not a full scan;
    `reindex` replaces it online with the half-precision graph, which searches then walk."""
    store = await PostgresStore.open(pg_url, dim=DIM, model_id="test")
    vecs = unit(RNG.normal(size=(300, DIM)))
    recs = await save(store, *(record(f"note {i}") for i in range(300)), vecs=vecs)
    async with store.db.begin() as conn:  # the graph such a database has
        await conn.execute(text(f"DROP INDEX {index_name(DIM)}"))
        await conn.execute(text(f"CREATE INDEX {full_vector_index_name(DIM)} ON memories USING hnsw "
                                f"((embedding::vector({DIM})) vector_cosine_ops) WHERE embedding_dim = {DIM}"))
        await conn.exec_driver_sql("ANALYZE memories")  # the planner needs statistics to weigh the HNSW index
    await store.close()
    query = unit(RNG.normal(size=DIM))
    best = [recs[i].label for i in np.argsort(-(vecs @ query))[:10]]
    old = await PostgresStore.open(pg_url, dim=DIM, model_id="test")
    try:
        old.exact_max = 0
        assert old.full_vector_graphs == {DIM}
        assert await walked_index(old, query) == full_vector_index_name(DIM)
        got = (await old.nearest(MemoryFilter(tenant="t", cube="c"), query[None, :], 10, NOW))[0]
        assert len({x for x, _ in got} & set(best)) >= 9
        await old.rebuild_indexes()
        async with old.db.connect() as conn:
            names = set((await conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE "
                                                 "'ix_memories_hnsw_%'"))).scalars())
        assert names == {index_name(DIM)} and old.full_vector_graphs == frozenset()
        assert await walked_index(old, query) == index_name(DIM)
        got = (await old.nearest(MemoryFilter(tenant="t", cube="c"), query[None, :], 10, NOW))[0]
        assert len({x for x, _ in got} & set(best)) >= 9
    finally:
        await old.close()
