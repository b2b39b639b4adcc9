"""The stores side by side at one size: stored-vector ingest, search p50/p95 beside the raw query embed
(in steady state, after one search per user; those first searches are a row of their own), ANN recall@10
against exact search (whole cube and one user), and start-up with the cube in place.

Each size gets a fresh SQLite data dir filled through the engine the way bench.postgres_search fills
one: a few hundred real texts embedded by the model, the rest stored vectors clustered around them
(bench.engine.clustered), 100 users. The PostgreSQL database gets the same memories by `python -m bot db
copy` from that data dir (the HNSW index built after the load): saving 250k through the engine into
PostgreSQL takes hours on two cores. Its ingest row is then the rate of up to 2,000 further saves into the
filled cube, measured after the searches.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.engine import CUBE, clustered, grow
from bench.postgres_search import USERS, fill, measure, one_user
from bench.scale.bulk import bulk_fill
from bot.db_copy import copy_database
from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.options import EngineOptions
from memory.store.base import MemoryStore
from memory.store.postgres import PostgresStore
from memory.store.postgres.connect import vacuum_analyze
from memory.types import MemoryFilter

ROOT = Path(__file__).resolve().parents[2]
WHOLE = MemoryFilter(tenant=CUBE.tenant, cube=CUBE.cube)


@dataclass
class StoreRun:
    """What one store did at one size (latencies in ms, rates per second, start-up in seconds)."""
    ingest_rate: float = 0.0
    stored: int = 0
    latencies: dict[str, list[float]] = field(default_factory=dict)  # embed, whole, user; first_user beside warm_embed
    recall: dict[str, float] = field(default_factory=dict)  # whole, user; strict (ids) and "_within" (distance)
    copy_s: float = 0.0  # PostgreSQL: the `db copy` of the filled SQLite database, index build included
    startup: dict[str, float] = field(default_factory=dict)  # model_s, open_s, first_search_s, rss_mb


@dataclass
class Corpus:
    """The real texts (each store's save embeds them), the stored vectors around them, the queries and
    the warm-up texts (one first search per user): both stores get the same."""
    docs: list[str]
    queries: list[str]
    warm: list[str]
    extra: np.ndarray
    more: np.ndarray  # saved into the filled PostgreSQL cube to time its ingest


def real_texts(size: int) -> int:
    """Real embedded texts in a cube of `size`: 600 from 3k up (as bench.postgres_search), fewer in a
    tiny cube so the stored vectors still outnumber them."""
    return min(600, max(20, size // 5))


def make_corpus(embedder: Embedder, texts: list[str], queries: list[str], warm: list[str], size: int,
                rng: np.random.Generator) -> Corpus:
    docs = texts[:real_texts(size)]
    base = np.asarray(embedder.encode([embedder.passage_prefix + d for d in docs]), np.float32)
    vectors = clustered(base, size - len(docs) + more_saves(size), rng)
    return Corpus(docs, queries, warm, vectors[:size - len(docs)], vectors[size - len(docs):])


def more_saves(size: int) -> int:
    return min(2000, max(20, size // 10))


async def copy_into(options: EngineOptions, embedder: Embedder, source: EngineOptions) -> float:
    """The SQLite data dir's database copied into options' PostgreSQL by `db copy`'s own path, whose
    schema the engine makes on open; returns the seconds the copy took (the index build included)."""
    await (await MemoryEngine.open(options, embedder)).close()
    t = time.perf_counter()
    await copy_database(source.url, options.url, replace=True)  # the open wrote engine_meta
    return time.perf_counter() - t


async def run_store(options: EngineOptions, embedder: Embedder, corpus: Corpus, model_dir: Path,
                    copy_from: EngineOptions | None = None, bulk: bool = False) -> StoreRun:
    """Fill (or copy `copy_from` in, or bulk-write: bench.scale.bulk), search, recall, then (a copy or a
    bulk fill) time more saves; start-up last."""
    out = StoreRun()
    if copy_from is not None:
        out.copy_s = await copy_into(options, embedder, copy_from)
    engine = await MemoryEngine.open(options, embedder)
    try:
        if bulk:
            out.copy_s = await bulk_fill(engine, corpus.docs, corpus.extra)
        elif copy_from is None:
            out.ingest_rate = await fill(engine, corpus.docs, corpus.extra)
        store = engine.storage
        if isinstance(store, PostgresStore):  # steady state: vacuumed and analysed, as autovacuum leaves it
            await vacuum_analyze(store.db)
        out.latencies = await measure(engine, embedder, corpus.queries, corpus.warm)
        out.stored, out.recall = await recall(store, embedder, corpus.queries)
        if copy_from is not None or bulk:
            start = len(corpus.docs) + len(corpus.extra)
            out.ingest_rate = await grow(engine, np.vstack([np.zeros((start, corpus.more.shape[1]), np.float32),
                                                            corpus.more]), corpus.docs, start)
    finally:
        await engine.close()
    out.startup = startup(options, model_dir)
    return out


async def recall(store: MemoryStore, embedder: Embedder, queries: list[str]) -> tuple[int, dict[str, float]]:
    """(memories stored, recall@10 of the store's nearest-neighbour read against exact search over its
    stored vectors): for the whole cube and for one user (query i in user i % 100, as `measure` searches)."""
    records = await store.records(after_label=0, limit=10**8, f=WHOLE, with_vectors=True)
    labels = np.array([r.label for r in records])
    users = np.array([r.user_id or "" for r in records])
    vecs = np.vstack([np.frombuffer(r.embedding or b"", np.float32) for r in records])
    qv = np.asarray(embedder.encode([embedder.query_prefix + q for q in queries]), np.float32)
    now = datetime.now(UTC)
    sims = qv @ vecs.T
    exact_whole = [np.argsort(-row)[:10] for row in sims]
    got_whole = await store.nearest(WHOLE, qv, 10, now)
    exact_user, got_user = [], []
    for i, row in enumerate(sims):
        mine = np.flatnonzero(users == f"user{i % USERS}")
        exact_user.append(mine[np.argsort(-row[mine])[:10]])
        got_user.extend(await store.nearest(one_user(i), qv[i:i + 1], 10, now))
    position = {int(label): i for i, label in enumerate(labels)}

    def share(exact: list[np.ndarray], got: list[list[tuple[int, float]]], within: bool) -> float:
        """Strict: the share of the exact top 10's ids returned. Within (ann-benchmarks' definition): the
        share of returned items no farther than the exact 10th + 1e-3 (a tie of the 10th counts)."""
        shares = []
        for i, (e, g) in enumerate(zip(exact, got, strict=True)):
            if within:
                tenth = float(sims[i, e[-1]]) if len(e) else 1.0
                shares.append(sum(float(sims[i, position[x]]) >= tenth - 1e-3 for x, _ in g) / max(1, len(e)))
            else:
                shares.append(len(set(labels[e].tolist()) & {x for x, _ in g}) / max(1, len(e)))
        return float(np.mean(shares))

    return len(records), {"whole": share(exact_whole, got_whole, False), "user": share(exact_user, got_user, False),
                          "whole_within": share(exact_whole, got_whole, True),
                          "user_within": share(exact_user, got_user, True)}


def startup(options: EngineOptions, model_dir: Path) -> dict[str, float]:
    """A fresh process opens the filled store and searches once (bench.startup): seconds and peak RSS."""
    args = [sys.executable, "-m", "bench.startup", str(options.data_dir), str(model_dir)]
    if options.database_url:
        args.append(options.database_url)
    t0 = time.perf_counter()
    out = subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True)
    info: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    info["process_s"] = time.perf_counter() - t0  # interpreter start and imports included
    return info
