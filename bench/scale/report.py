"""The two tables of bench.scale (bench.table: Markdown that pastes into docs/benchmarks.md)."""

from __future__ import annotations

import numpy as np

from bench.load import Stats
from bench.scale.stores import StoreRun, more_saves
from bench.scale.workers import PHASES, LoadPlan, Served
from bench.table import Table


def size_label(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _latency(ms: list[float], embed: float) -> str:
    p50, p95 = np.percentile(ms, [50, 95])
    return f"{p50:.1f} / {p95:.1f} ms (+{p50 - embed:.1f})"


def store_table(runs: dict[int, dict[str, StoreRun]]) -> Table:
    names = list(next(iter(runs.values()), {}).keys())
    table = Table(["what", *names, "note"])
    for size, by_store in runs.items():
        at = size_label(size)
        cells = [by_store[n] for n in names]
        embed = float(np.median([x for r in cells for x in r.latencies["embed"]]))
        warm_embed = float(np.median([x for r in cells for x in r.latencies["warm_embed"]]))
        table.add(f"stored-vector ingest to {at}", *(f"{r.ingest_rate:.0f} memories/s" for r in cells),
                  "vectors given; SQLite: the whole fill, PostgreSQL: "
                  f"{more_saves(size)} more saves into the filled cube")
        table.add(f"bulk fill to {at} (index built after)",
                  *(f"{size / r.copy_s:.0f} memories/s ({r.copy_s:.0f} s)" if r.copy_s else "-" for r in cells),
                  "PostgreSQL: db copy of the SQLite run (or --bulk-postgres: bench.scale.bulk)")
        table.add(f"  memories stored at {at}", *(str(r.stored) for r in cells), "near-duplicates merged")
        for key, what in (("whole", "whole cube"), ("user", "one user (1%)")):
            table.add(f"search {at}, {what} p50 / p95", *(_latency(r.latencies[key], embed) for r in cells),
                      f"raw query embed {embed:.1f} ms; after one search per user")
        table.add(f"  one user's first search at {at} p50 / p95",
                  *(_latency(r.latencies["first_user"], warm_embed) for r in cells),
                  f"right after the fill, their rows not yet in the database's buffers; raw embed {warm_embed:.1f} ms")
        for key, what in (("whole", "whole cube"), ("user", "one user")):
            table.add(f"ANN recall@10 at {at}, {what}", *(f"{r.recall[key]:.3f}" for r in cells),
                      "ids of the exact top 10; within 1e-3 of the exact 10th's distance (ann-benchmarks): "
                      + " / ".join(f"{r.recall[key + '_within']:.3f}" for r in cells))
        table.add(f"start-up with {at}: engine open / first search",
                  *(f"{r.startup['open_s'] - r.startup['model_s']:.2f} / "
                    f"{r.startup['first_search_s'] - r.startup['open_s']:.2f} s" for r in cells),
                  f"model load {np.median([r.startup['model_s'] for r in cells]):.2f} s")
        table.add("  whole process, to first answer (RSS)",
                  *(f"{r.startup['process_s']:.2f} s ({r.startup['rss_mb']:.0f} MB)" for r in cells),
                  "a fresh python process")
    return table


def _percentiles(st: Stats) -> str:
    if not st.latencies_ms:
        return "-"
    p50, p99 = np.percentile(st.latencies_ms, [50, 99])
    return f"{p50:.0f} / {p99:.0f}"


def errors(stats: dict[str, Stats]) -> int:
    return sum(sum(st.errors.values()) for st in stats.values())


def workers_table(served: list[Served], plan: LoadPlan) -> Table:
    table = Table(["API", "phase", "answered/s", "search p50 / p99 ms", "save p50 / p99 ms", "errors",
                   "CPU ms per answer: API / PostgreSQL", "ready in", "RSS per worker"])
    for s in served:
        rss = f"{np.mean(s.rss_mb):.0f} MB" if s.rss_mb else "-"
        for name in PHASES:
            phase = s.phases[name]
            stats, first = phase.stats, name == PHASES[0]
            kinds = "; ".join(f"{k} x{v}" for st in stats.values() for k, v in st.errors.items())
            failed = errors(stats) + (plan.seed - s.seeded if first else 0)
            per = 1000 / max(1, phase.answered)
            db = "-" if phase.db_cpu_s is None else f"{phase.db_cpu_s * per:.1f}"
            table.add(s.name, name, f"{phase.answered / phase.seconds:.1f}", _percentiles(stats["search"]),
                      _percentiles(stats["save"]), f"{failed}" + (f" ({kinds})" if kinds else ""),
                      f"{phase.api_cpu_s * per:.1f} / {db}", f"{s.ready_s:.1f} s" if first else "",
                      rss if first else "")
    return table
