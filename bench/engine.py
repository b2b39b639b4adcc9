"""`make bench`: the engine's costs beside the raw parts they are made of, measured in one run.

Rows: raw model embed (single, batch of 32) beside save p50/p95; search p50/p95 at 1k, 10k and 100k
memories in one cube beside raw query embed + raw hnswlib; ANN recall@10 against exact search; batch
ingest beside the raw model rate; start-up time and RSS with 100k memories.

The 1k scope is a real corpus embedded by the model. Larger scopes are built from those stored vectors
(clustered around them, as real neighbourhoods are) so index and storage costs are measured apart from
the model's: embedding 100k texts takes about 15 minutes on 2 cores.
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import hnswlib  # noqa: E402
import numpy as np  # noqa: E402

from bench.corpus import corpus  # noqa: E402
from bench.table import Table, pct, print_report  # noqa: E402
from memory.embedding.base import Embedder  # noqa: E402
from memory.embedding.factory import create_embedder  # noqa: E402
from memory.engine import MemoryEngine  # noqa: E402
from memory.options import DEFAULT_MODEL_ID, EngineOptions, HnswParams  # noqa: E402
from memory.store.sqlite.store import SqliteStore
from memory.types import MemoryFilter, MemoryInput, Scope  # noqa: E402

CUBE = Scope(tenant="bench", cube="user_user_bench_cube")


def clustered(base: np.ndarray, n: int, rng: np.random.Generator, neighbours: int = 16,
              noise: float = 0.05) -> np.ndarray:
    """n unit vectors that follow the real ones' geometry: each lies between a real vector and one of
    its nearest real neighbours, plus a little noise. (Isotropic noise around each real vector would
    make every point of a cluster equidistant in 384 dimensions: neighbourhoods real text never has.)"""
    sims = base @ base.T
    np.fill_diagonal(sims, -1.0)
    near = np.argsort(-sims, axis=1)[:, :neighbours]
    a = rng.integers(0, len(base), n)
    b = near[a, rng.integers(0, neighbours, n)]
    t = rng.uniform(0.0, 0.5, (n, 1)).astype(np.float32)
    out = (1 - t) * base[a] + t * base[b]
    out += rng.standard_normal(out.shape).astype(np.float32) * (noise / np.sqrt(base.shape[1]))
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def timed(fn, *args) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - t) * 1000


async def atimed(coro) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    await coro
    return (time.perf_counter() - t) * 1000


def raw_hnsw(vectors: np.ndarray, params: HnswParams) -> hnswlib.Index:
    """Raw hnswlib with the engine's parameters: the baseline is the library, not a cheaper graph."""
    idx = hnswlib.Index(space="cosine", dim=vectors.shape[1])
    idx.init_index(max_elements=len(vectors), ef_construction=params.ef_construction, M=params.m)
    idx.add_items(vectors, np.arange(len(vectors)))
    idx.set_ef(params.ef_search)
    idx.set_num_threads(1)
    return idx


def raw_pipeline(embedder: Embedder, idx: hnswlib.Index, query: str) -> tuple[float, float]:
    """The raw parts of a search, back to back as a search runs them: (embed ms, hnsw ms). The
    nearest-neighbour query runs right after the model, on the caches the model left, as ours does."""
    t0 = time.perf_counter()
    vec = embedder.encode([embedder.query_prefix + query])
    t1 = time.perf_counter()
    idx.knn_query(vec, k=10)
    return (t1 - t0) * 1000, (time.perf_counter() - t1) * 1000


async def grow(engine: MemoryEngine, vectors: np.ndarray, texts: list[str], start: int) -> float:
    """Add stored-vector memories up to len(vectors); returns memories/s."""
    t = time.perf_counter()
    for lo in range(start, len(vectors), 2000):
        hi = min(lo + 2000, len(vectors))
        items = [MemoryInput(Scope(CUBE.tenant, CUBE.cube, f"user{i % 100}"), content=f"{texts[i % len(texts)]} #{i}",
                             embedding=vectors[i], emotions=[], summary="") for i in range(lo, hi)]
        res = await engine.save_batch(items)
        assert not res.failed, res.failed[:3]
    return (len(vectors) - start) / (time.perf_counter() - t)


async def run(scales: list[int], model_dir: Path, work: Path) -> Table:
    rng = np.random.default_rng(42)
    texts = corpus(1200)
    docs, queries = texts[:1000], texts[1000:1200]
    embedder = create_embedder(DEFAULT_MODEL_ID, "fastembed", model_dir)
    table = Table(["what", "Omoide", "baseline (same run)", "ratio / note"])

    # raw model
    for t in queries[:10]:
        embedder.encode([t])
    single = [timed(embedder.encode, [t]) for t in queries[:100]]
    raw_single = float(np.median(single))
    t0 = time.perf_counter()
    for i in range(0, 320, 32):
        embedder.encode(docs[i:i + 32])
    raw_rate = 320 / (time.perf_counter() - t0)
    table.add("raw model: embed 1 text p50", f"{raw_single:.1f} ms", "", "")
    table.add("raw model: batch of 32", f"{raw_rate:.0f} texts/s", "", "")

    # save one by one (real texts, real enrichment, dedup check)
    engine = await MemoryEngine.open(EngineOptions(data_dir=work / "save"), embedder)
    saves, save_embeds = [], []
    for i, d in enumerate(docs[:300]):  # each save timed right after the raw embedding of its text
        save_embeds.append(timed(embedder.encode, [embedder.passage_prefix + d]))
        saves.append(await atimed(engine.store(Scope(CUBE.tenant, CUBE.cube, f"user{i % 10}"), d)))
    await engine.close()
    p50, p95 = np.percentile(saves, [50, 95])
    raw_save = float(np.median(save_embeds))
    table.add("save p50 / p95", f"{p50:.1f} / {p95:.1f} ms", f"raw embed of the same texts {raw_save:.1f} ms",
              f"+{p50 - raw_save:.1f} ms (target ≤ +3)")

    # batch ingest of the real corpus
    engine = await MemoryEngine.open(EngineOptions(data_dir=work / "main"), embedder)
    t0 = time.perf_counter()
    await engine.save_batch([MemoryInput(Scope(CUBE.tenant, CUBE.cube, f"user{i % 100}"), content=d)
                             for i, d in enumerate(docs)])
    ingest = len(docs) / (time.perf_counter() - t0)
    table.add("batch ingest (1k real texts)", f"{ingest:.0f} texts/s", f"raw model {raw_rate:.0f} texts/s",
              f"{pct(ingest / raw_rate)} (target ≥ 80%)")
    vectors_1k = np.vstack([np.frombuffer(v, np.float32) for v in await _stored(engine)])
    qvecs = embedder.encode([embedder.query_prefix + q for q in queries])
    all_vectors = vectors_1k
    for n in scales:
        if n > len(all_vectors):
            extra = clustered(vectors_1k, n - len(all_vectors), rng)
            all_vectors = np.vstack([all_vectors, extra])
            rate = await grow(engine, all_vectors, docs, len(all_vectors) - len(extra))
            table.add(f"  stored-vector ingest to {n // 1000}k", f"{rate:.0f} memories/s", "", "index + storage only")
        whole = MemoryFilter(tenant=CUBE.tenant, cube=CUBE.cube)
        first = await atimed(engine.search(queries[0], whole, top_k=10))
        await engine.storage.warm(CUBE.tenant, CUBE.cube)  # postings are built in the background by the first search
        for i, q in enumerate(queries[:20]):  # steady state: also fills the vector matrix for user scopes
            await engine.search(q, whole, top_k=10)
            await engine.search(q, MemoryFilter(tenant=CUBE.tenant, cube=CUBE.cube, user_id=f"user{i % 100}"))
        # what the cube really holds (near-duplicates among the generated vectors were merged by dedup)
        stored_labels, stored = await _sqlite(engine)._stored_vectors(CUBE.tenant, CUBE.cube, None)  # noqa: SLF001
        raw_index = raw_hnsw(stored, engine.options.hnsw)
        # each search timed right after the raw parts with the same query, so drift hits both alike
        lat, user_lat, embeds, knns = [], [], [], []
        for i, q in enumerate(queries * 2):
            embed_ms, knn_ms = raw_pipeline(embedder, raw_index, q)
            embeds.append(embed_ms)
            knns.append(knn_ms)
            lat.append(await atimed(engine.search(q, whole, top_k=10)))
            user_lat.append(await atimed(engine.search(q, MemoryFilter(tenant=CUBE.tenant, cube=CUBE.cube,
                                                                       user_id=f"user{i % 100}"), top_k=10)))
        embed_q, hnsw_ms = float(np.median(embeds)), float(np.median(knns))
        approx = raw_index.knn_query(qvecs, k=10)[0]
        p50, p95 = np.percentile(lat, [50, 95])
        base = embed_q + hnsw_ms
        table.add(f"  memories stored at {n // 1000}k", f"{len(stored_labels)}", "", "near-duplicates merged")
        table.add(f"search {n // 1000}k, whole cube p50 / p95", f"{p50:.1f} / {p95:.1f} ms",
                  f"embed {embed_q:.1f} + hnsw {hnsw_ms:.2f} = {base:.1f} ms", f"+{p50 - base:.1f} ms (target ≤ +3)")
        table.add(f"  first search of the {n // 1000}k cube", f"{first:.0f} ms", "",
                  "builds its BM25 postings in the background")
        u50, u95 = np.percentile(user_lat, [50, 95])
        table.add(f"search {n // 1000}k, one user p50 / p95", f"{u50:.1f} / {u95:.1f} ms", f"{base:.1f} ms",
                  f"+{u50 - base:.1f} ms")
        exact = np.argsort(-(qvecs @ stored.T), axis=1)[:, :10]
        state = _sqlite(engine).indexes.get(CUBE.tenant, CUBE.cube)
        assert state is not None
        ours = np.vstack([state.index.knn(q, 10)[0] for q in qvecs])
        recall = np.mean([len(set(stored_labels[e].tolist()) & set(o.tolist())) / 10
                          for e, o in zip(exact, ours, strict=True)])
        raw_recall = np.mean([len(set(e) & set(a)) / 10 for e, a in zip(exact, approx, strict=True)])
        table.add(f"ANN recall@10 at {n // 1000}k", f"{recall:.3f}", f"raw hnswlib {raw_recall:.3f}", "target ≥ 0.98")
    await engine.close()
    return table


async def _stored(engine: MemoryEngine) -> list[bytes]:
    return [r[0] for r in await _sqlite(engine).reader.fetch("SELECT embedding FROM memories ORDER BY label")]


def _sqlite(engine: MemoryEngine) -> SqliteStore:
    """The embedded store behind the engine (this benchmark reads its index and stored vectors)."""
    assert isinstance(engine.storage, SqliteStore)
    return engine.storage


def startup(work: Path, model_dir: Path) -> dict[str, float]:
    """Open the 100k store in a fresh process: time to ready, first search, RSS."""
    out = subprocess.run([sys.executable, "-m", "bench.startup", str(work / "main"), str(model_dir)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="1000,10000,100000", help="cube sizes, comma-separated")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    scales = [int(x) for x in args.scales.split(",")]
    work = Path(tempfile.mkdtemp(prefix="omoide-bench-"))
    model_dir = work / "models"
    try:
        table = asyncio.run(run(scales, model_dir, work))
        info = startup(work, model_dir)
        table.add(f"start-up with {scales[-1] // 1000}k memories", f"{info['open_s']:.2f} s",
                  f"model load {info['model_s']:.2f} s", f"target ≤ 3 s; indexes {info['indexes']}")
        table.add("first search after start-up", f"{info['first_search_s'] - info['open_s']:.2f} s", "", "")
        table.add(f"RSS with {scales[-1] // 1000}k memories", f"{info['rss_mb']:.0f} MB", "", "target ≤ 800 MB")
        print_report("engine benchmark", table)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
