"""What observability costs a search: p50/p95 with metrics and tracing off, metrics on, and both on.

One engine, one run: 670 real sentences in one cube (20 users), then the same queries searched in
every mode. Each query is searched once per mode back to back (the order rotating query by query and
round by round), so every search with observability on has a partner with it off, made moments
before or after on the same query: the paired differences cancel the query's own cost and the drift
of a shared machine, and their median comes with a distribution-free 95% interval. Wall time is what
a caller waits; CPU time (the process's, all threads, the model's included) is what the process
spent. The hooks' own CPU time is also taken alone, in a tight loop and inside real searches (where
caches are cold: more, and closer to what a search pays). "tracing" is the SDK with a batch processor
whose exporter drops the spans: span creation and queueing are measured, not a network.
`python -m bench.observability`
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from contextlib import AbstractContextManager  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult  # noqa: E402

from bench.corpus import corpus  # noqa: E402
from bench.table import Table  # noqa: E402
from bot.telemetry.observer import ENGINE_OBSERVER  # noqa: E402
from bot.telemetry.tracing import TRACING  # noqa: E402
from memory.engine import MemoryEngine  # noqa: E402
from memory.observe import NO_OBSERVER, Observer, OperationNote  # noqa: E402
from memory.options import EngineOptions  # noqa: E402
from memory.types import MemoryFilter, MemoryInput, Scope  # noqa: E402

TENANT, CUBE, USERS = "bench", "user_user_bench_cube", 20
MODES = ("off", "metrics", "metrics+tracing")


class DroppingExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


@dataclass
class Timings:
    """Per mode, one wall and one CPU time per (round, query), in the same order for every mode."""

    wall: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in MODES})
    cpu: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in MODES})


def median_interval(xs: Sequence[float]) -> tuple[float, float, float]:
    """The median and a distribution-free ~95% interval for it (order statistics of the sign test)."""
    s, n = sorted(xs), len(xs)
    k = max(0, math.floor(n / 2 - 1.96 * math.sqrt(n) / 2))
    return statistics.median(s), s[k], s[n - 1 - k]


def hooks_per_search(mode: str, provider: TracerProvider, n: int = 300) -> float:
    """CPU seconds the observer's hooks of one search take (operation, embedding, three phases), measured
    alone: the same cost as in a search, without the model's noise around it."""
    observer = NO_OBSERVER if mode == "off" else ENGINE_OBSERVER
    TRACING.use(provider if mode == "metrics+tracing" else None)
    t0 = time.process_time()
    for _ in range(n):
        with observer.operation("search") as note:
            with observer.embedding("query", 1):
                pass
            for phase in ("lexical", "vector", "rank"):
                with observer.phase(phase):
                    pass
            note.candidates, note.hits = 20, 5
    TRACING.use(None)
    return (time.process_time() - t0) / n


def hooks_median(provider: TracerProvider, batches: int = 40) -> dict[str, float]:
    """Each mode's hooks in small batches, modes interleaved, the median batch per mode."""
    per: dict[str, list[float]] = {m: [] for m in MODES}
    for _ in range(batches):
        for mode in MODES:
            per[mode].append(hooks_per_search(mode, provider))
    return {m: statistics.median(v) for m, v in per.items()}


class HookClock(Observer):
    """Another observer's hooks, with the CPU time they take inside real searches added up (each hook on
    the thread it runs on). Minus the same clock around the no-op observer, that is what the hooks add
    to a search where it runs: cold caches included, which hooks_per_search's tight loop leaves out."""

    def __init__(self, inner: Observer) -> None:
        self.inner, self.seconds = inner, 0.0
        self._lock = threading.Lock()

    def add(self, seconds: float) -> None:
        with self._lock:
            self.seconds += seconds

    def operation(self, name: str) -> AbstractContextManager[OperationNote]:
        return _Clocked(self, self.inner.operation(name))

    def phase(self, name: str) -> AbstractContextManager[None]:
        return _Clocked(self, self.inner.phase(name))

    def embedding(self, kind: str, texts: int) -> AbstractContextManager[None]:
        return _Clocked(self, self.inner.embedding(kind, texts))


class _Clocked(AbstractContextManager[Any]):
    def __init__(self, clock: HookClock, hook: AbstractContextManager[Any]) -> None:
        self.clock, self.hook = clock, hook

    def __enter__(self) -> Any:
        t0 = time.thread_time()
        entered = self.hook.__enter__()
        self.clock.add(time.thread_time() - t0)
        return entered

    def __exit__(self, *exc: Any) -> None:
        t0 = time.thread_time()
        self.hook.__exit__(*exc)
        self.clock.add(time.thread_time() - t0)


async def hooks_in_searches(engine: MemoryEngine, asked: list[str], filters: list[MemoryFilter], rounds: int,
                            provider: TracerProvider) -> dict[str, float]:
    """Per mode, the hooks' CPU seconds per search inside real searches (HookClock), modes interleaved
    query by query; the clock's own cost (measured around the no-op observer) taken off."""
    clocks = {m: HookClock(NO_OBSERVER if m == "off" else ENGINE_OBSERVER) for m in MODES}
    for r in range(rounds):
        for i, (q, f) in enumerate(zip(asked, filters, strict=True)):
            shift = (r + i) % len(MODES)
            for mode in MODES[shift:] + MODES[:shift]:
                engine.watch(clocks[mode])
                TRACING.use(provider if mode == "metrics+tracing" else None)
                await engine.search(q, f, top_k=5)
    set_mode(engine, "off", provider)
    n = rounds * len(asked)
    return {m: (clocks[m].seconds - clocks["off"].seconds) / n for m in MODES}


def set_mode(engine: MemoryEngine, mode: str, provider: TracerProvider) -> None:
    engine.watch(NO_OBSERVER if mode == "off" else ENGINE_OBSERVER)
    TRACING.use(provider if mode == "metrics+tracing" else None)


async def measure(engine: MemoryEngine, asked: list[str], filters: list[MemoryFilter], rounds: int,
                  provider: TracerProvider) -> Timings:
    out = Timings()
    for r in range(rounds):
        for i, (q, f) in enumerate(zip(asked, filters, strict=True)):
            shift = (r + i) % len(MODES)
            for mode in MODES[shift:] + MODES[:shift]:
                set_mode(engine, mode, provider)
                w0, c0 = time.perf_counter(), time.process_time()
                await engine.search(q, f, top_k=5)
                out.cpu[mode].append(time.process_time() - c0)
                out.wall[mode].append(time.perf_counter() - w0)
    set_mode(engine, "off", provider)
    return out


def report(t: Timings, hooks: dict[str, float], in_searches: dict[str, float], n: int, rounds: int) -> str:
    base = statistics.median(t.wall["off"])
    table = Table(["mode", "searches", "p50 ms", "p95 ms", "p50 vs off", "paired Δ wall µs [95%]",
                   "Δ / p50(off)", "CPU ms/search", "paired Δ CPU µs [95%]", "hooks µs (loop)",
                   "hooks µs (in searches)", "in searches / p50(off)"])
    for mode in MODES:
        xs = sorted(t.wall[mode])
        p50, p95 = statistics.median(xs), xs[int(len(xs) * 0.95)]
        dw = median_interval([a - b for a, b in zip(t.wall[mode], t.wall["off"], strict=True)])
        dc = median_interval([a - b for a, b in zip(t.cpu[mode], t.cpu["off"], strict=True)])
        table.add(mode, str(len(xs)), f"{p50 * 1e3:.2f}", f"{p95 * 1e3:.2f}", f"{p50 / base:.4f}",
                  f"{dw[0] * 1e6:+.0f} [{dw[1] * 1e6:+.0f}, {dw[2] * 1e6:+.0f}]", f"{dw[0] / base:+.2%}",
                  f"{statistics.median(t.cpu[mode]) * 1e3:.2f}",
                  f"{dc[0] * 1e6:+.0f} [{dc[1] * 1e6:+.0f}, {dc[2] * 1e6:+.0f}]",
                  f"{hooks[mode] * 1e6:.1f}", f"{in_searches[mode] * 1e6:.1f}", f"{in_searches[mode] / base:.2%}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    return (f"search p50 with observability on vs off ({n} memories, {USERS} users, top_k=5, {rounds} rounds, "
            f"each query in every mode back to back; load average {load:.1f} on {os.cpu_count()} CPUs)\n"
            + table.render())


async def run(n: int, queries: int, rounds: int) -> None:
    texts = corpus(n + queries)
    stored, asked = texts[:n], texts[n:]
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(DroppingExporter()))
    with tempfile.TemporaryDirectory() as tmp:
        engine = await MemoryEngine.open(EngineOptions(data_dir=Path(tmp) / "data"))
        try:
            items = [MemoryInput(scope=Scope(tenant=TENANT, cube=CUBE, user_id=f"u{i % USERS}"), content=t)
                     for i, t in enumerate(stored)]
            await engine.save_batch(items)
            filters = [MemoryFilter(tenant=TENANT, cube=CUBE, user_id=f"u{i % USERS}") for i in range(queries)]
            for q, f in zip(asked, filters, strict=True):  # warm-up: postings, matrices, the model's first calls
                await engine.search(q, f, top_k=5)
            timings = await measure(engine, asked, filters, rounds, provider)
            in_searches = await hooks_in_searches(engine, asked, filters, max(2, rounds // 3), provider)
        finally:
            set_mode(engine, "off", provider)
            await engine.close()
    hooks = hooks_median(provider)
    provider.shutdown()
    print(report(timings, hooks, in_searches, n, rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--memories", type=int, default=670)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(run(args.memories, args.queries, args.rounds))


if __name__ == "__main__":
    main()
