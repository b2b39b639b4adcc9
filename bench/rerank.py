"""`python -m bench.rerank`: what RERANK_MODEL costs a search, beside the raw query embedding.

jina-reranker-v2-base-multilingual cannot be downloaded here, so the model measured is one of its
shape with random weights (bench.rerank_model.base_cross_encoder: XLM-R base, 12 layers of 768, 12
heads, 3072 FFN, 250k vocabulary, fp32, the XLM-R tokenizer of the packaged e5 model): a cross-encoder's
cost depends on its shape and the tokens it reads, not on its weights. It is loaded the way RERANK_MODEL
loads a directory (memory.rerank.fastembed_reranker) and scores RERANK_CANDIDATES (20) real texts from
bench.corpus (Japanese design-document lines, English docstrings) for a short query, at several batch
sizes; then whole searches over 1,000 memories with and without it. The tiny test model shows the
stage's own overhead (thread hop, tokenizer, ONNX Runtime call).
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Awaitable, Callable  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

from tokenizers import Tokenizer  # noqa: E402

from bench.corpus import corpus  # noqa: E402
from bench.rerank_model import base_cross_encoder, tiny_cross_encoder  # noqa: E402
from bench.table import Table, print_report  # noqa: E402
from memory.embedding.e5_convert import build_e5_onnx  # noqa: E402
from memory.embedding.factory import create_embedder  # noqa: E402
from memory.embedding.service import EmbeddingService  # noqa: E402
from memory.engine import MemoryEngine  # noqa: E402
from memory.options import DEFAULT_MODEL_ID, EngineOptions  # noqa: E402
from memory.rerank.fastembed_reranker import FastEmbedReranker  # noqa: E402
from memory.types import MemoryFilter, MemoryInput, Scope  # noqa: E402

CANDIDATES = 20
QUERIES = {"ja": "引っ越しの予定について何か話していた？", "en": "how do I parse a date from a string?"}
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


Samples = list[tuple[float, float]]  # (wall ms, CPU ms of the whole process, every thread)


async def _timed(call: Callable[[], Awaitable[object]], repeat: int) -> Samples:
    await call()  # warm: the first call allocates ONNX Runtime's buffers
    out = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        await call()
        out.append(((time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000))
    return out


def _ms(samples: Samples) -> tuple[str, str, str]:
    """Wall p50 and p90, and CPU time p50: on a shared machine the wall time grows with the load,
    the CPU time much less (on an idle 2-core machine wall ~ CPU / 2 for the model rows)."""
    wall = sorted(w for w, _ in samples)
    cpu = statistics.median(c for _, c in samples)
    return (f"{statistics.median(wall):.0f} ms", f"{wall[min(len(wall) - 1, int(len(wall) * 0.9))]:.0f} ms",
            f"{cpu:.0f} ms")


async def run(work: Path, repeat: int) -> Table:
    model_dir = work / "models"
    texts = corpus(2 * CANDIDATES + 1000)
    sets = {"ja": [t for t in texts if _JAPANESE.search(t)][:CANDIDATES],
            "en": [t for t in texts if not _JAPANESE.search(t)][:CANDIDATES]}
    embedder = create_embedder(DEFAULT_MODEL_ID, "fastembed", model_dir)
    table = Table(["what", "wall p50", "wall p90", "CPU p50", "notes"])
    service = EmbeddingService(embedder)
    try:
        for lang, query in QUERIES.items():
            samples = await _timed(partial(service.query, query), repeat * 4)
            table.add(f"raw query embed, packaged e5 ({lang})", *_ms(samples), "the baseline")
    finally:
        service.close()

    base_dir = base_cross_encoder(work / "base-reranker", build_e5_onnx(model_dir))
    tokenizer = Tokenizer.from_file(str(base_dir / "tokenizer.json"))
    for batch in (1, 8, 20):
        reranker = FastEmbedReranker(str(base_dir), cache_dir=model_dir, batch_size=batch)
        try:
            for lang, query in QUERIES.items():
                docs = sets[lang]
                tokens = statistics.mean(len(tokenizer.encode(query, d).ids) for d in docs)
                samples = await _timed(partial(reranker.rerank, query, docs), repeat)
                table.add(f"rerank {CANDIDATES}, base shape, batch {batch} ({lang})", *_ms(samples),
                          f"{tokens:.0f} tokens a pair")
        finally:
            reranker.close()

    tiny = FastEmbedReranker(str(tiny_cross_encoder(work / "tiny-reranker", {"kiwi": 1.0})), cache_dir=model_dir)
    try:
        samples = await _timed(partial(tiny.rerank, QUERIES["en"], sets["en"]), repeat * 4)
        table.add(f"rerank {CANDIDATES}, tiny test model (en)", *_ms(samples), "the stage's own overhead")
    finally:
        tiny.close()

    memories = texts[:1000]
    for label, reranking in (("off", None), ("on", base_dir)):
        options = EngineOptions(data_dir=work / f"search-{label}", rerank_model=str(reranking) if reranking else None,
                                rerank_timeout_ms=600_000)  # the whole cost, even where the default would give up
        async with await MemoryEngine.open(options, embedder) as engine:
            await engine.save_batch([MemoryInput(scope=Scope("t", "c"), content=t) for t in memories])
            f = MemoryFilter(tenant="t", cube="c")
            samples = await _timed(partial(engine.search, QUERIES["ja"], f, top_k=10), repeat)
        table.add(f"search top 10 of 1k memories, reranker {label} (ja)", *_ms(samples),
                  f"RERANK_CANDIDATES {CANDIDATES}, batch 8" if reranking else "")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per row (raw embeds: 4x)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (the 1.1 GB model in it)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="omoide-bench-rerank-"))
    try:
        table = asyncio.run(run(work, args.repeat))
        print_report("rerank benchmark", table)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
