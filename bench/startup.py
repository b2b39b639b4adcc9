"""Helper process for bench.engine and bench.scale: open a store cold, search once, report time and RSS as
JSON. `python -m bench.startup DATA_DIR MODEL_DIR [DATABASE_URL]` (PostgreSQL when the URL is given)."""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import asyncio  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not getrusage's ru_maxrss: that keeps the peak of the parent
    that forked us (the benchmark, holding 100k vectors) across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main(data_dir: Path, model_dir: Path, database_url: str = "") -> None:
    t0 = time.perf_counter()
    from memory.embedding.factory import create_embedder
    from memory.engine import MemoryEngine
    from memory.options import DEFAULT_MODEL_ID, EngineOptions
    from memory.types import MemoryFilter

    embedder = create_embedder(DEFAULT_MODEL_ID, "fastembed", model_dir)
    model_s = time.perf_counter() - t0
    engine = await MemoryEngine.open(EngineOptions(data_dir=data_dir, database_url=database_url), embedder)
    open_s = time.perf_counter() - t0
    await engine.search("起動後の最初の検索", MemoryFilter(tenant="bench"))
    first = time.perf_counter() - t0
    rss = peak_rss_mb()
    await engine.close()
    print(json.dumps({"model_s": model_s, "open_s": open_s, "first_search_s": first, "rss_mb": rss,
                      "indexes": engine.index_report}))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), *sys.argv[3:4]))
