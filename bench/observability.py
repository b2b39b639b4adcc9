"""What observability costs a search: p50/p95 with metrics and tracing off, metrics on, and both on.

One engine, one run: 670 real sentences in one cube (20 users), then the same queries searched in
every mode, the modes interleaved round by round (each round in a different order) so drift of a
shared machine falls on all of them alike. "tracing" is the SDK with a batch processor whose exporter
drops the spans: span creation and queueing are measured, not a network. `python -m bench.observability`
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult  # noqa: E402

from bench.corpus import corpus  # noqa: E402
from bench.table import Table  # noqa: E402
from bot.telemetry.observer import ENGINE_OBSERVER  # noqa: E402
from bot.telemetry.tracing import TRACING  # noqa: E402
from memory.engine import MemoryEngine  # noqa: E402
from memory.observe import NO_OBSERVER  # noqa: E402
from memory.options import EngineOptions  # noqa: E402
from memory.types import MemoryFilter, MemoryInput, Scope  # noqa: E402

TENANT, CUBE, USERS = "bench", "user_user_bench_cube", 20
MODES = ("off", "metrics", "metrics+tracing")


class DroppingExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def hooks_per_search(mode: str, provider: TracerProvider, n: int = 20000) -> float:
    """Seconds the observer's hooks of one search take (operation, embedding, three phases), measured
    alone: the same cost as in a search, without the model's noise around it."""
    observer = NO_OBSERVER if mode == "off" else ENGINE_OBSERVER
    TRACING.use(provider if mode == "metrics+tracing" else None)
    t0 = time.perf_counter()
    for _ in range(n):
        with observer.operation("search") as note:
            with observer.embedding("query", 1):
                pass
            for phase in ("lexical", "vector", "rank"):
                with observer.phase(phase):
                    pass
            note.candidates, note.hits = 20, 5
    TRACING.use(None)
    return (time.perf_counter() - t0) / n


def set_mode(engine: MemoryEngine, mode: str, provider: TracerProvider) -> None:
    engine.watch(NO_OBSERVER if mode == "off" else ENGINE_OBSERVER)
    TRACING.use(provider if mode == "metrics+tracing" else None)


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
            times: dict[str, list[float]] = {m: [] for m in MODES}
            for r in range(rounds):
                order = MODES[r % len(MODES):] + MODES[:r % len(MODES)]
                for mode in order:
                    set_mode(engine, mode, provider)
                    for q, f in zip(asked, filters, strict=True):
                        t0 = time.perf_counter()
                        await engine.search(q, f, top_k=5)
                        times[mode].append(time.perf_counter() - t0)
        finally:
            set_mode(engine, "off", provider)
            await engine.close()
    hooks = {m: hooks_per_search(m, provider) for m in MODES}
    provider.shutdown()
    base = statistics.median(times["off"])
    table = Table(["mode", "searches", "p50 ms", "p95 ms", "p50 vs off", "hooks µs/search", "hooks / p50(off)"])
    for mode in MODES:
        xs = sorted(times[mode])
        p50, p95 = statistics.median(xs), xs[int(len(xs) * 0.95)]
        table.add(mode, str(len(xs)), f"{p50 * 1000:.2f}", f"{p95 * 1000:.2f}", f"{p50 / base:.4f}",
                  f"{hooks[mode] * 1e6:.1f}", f"{hooks[mode] / base:.3%}")
    print(f"search p50 with observability on vs off ({n} memories, {USERS} users, top_k=5, {rounds} rounds "
          f"interleaved)")
    print(table.render())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--memories", type=int, default=670)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    asyncio.run(run(args.memories, args.queries, args.rounds))


if __name__ == "__main__":
    main()
