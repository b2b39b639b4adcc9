"""`make bench-peers` / `python -m bench.peers`: Omoide beside chromadb, mem0, sqlite-vec and LanceDB,
with raw hnswlib and numpy as floors, measured in one run (issue 19).

The same LoCoMo turns (10 scopes, 149 questions, top 10) and the same e5 vectors for everyone: the main
venv embeds each turn once with Omoide's own model and text rules (bench.peers.stage); Omoide runs as
itself and again with those vectors given. Every system runs in its own process (peak RSS is its own),
the peers in the peers venv (`make bench-peers` builds it from the `peers` extra), all with the socket
guard on. Then a one-cube scale phase on synthetic vectors (store-side costs only).

    python -m bench.peers                       # the full run (about 30-40 minutes on 2 cores)
    python -m bench.peers --quick --systems omoide omoide-vectors hnswlib numpy   # a smoke run
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

from bench.peers import stage  # noqa: E402
from bench.peers.client import ROOT  # noqa: E402
from bench.peers.report import Report  # noqa: E402
from bench.peers.run import Outcome, Plan, locomo, log, scale  # noqa: E402
from bench.peers.systems import SYSTEMS  # noqa: E402
from bench.retrieval import data  # noqa: E402
from memory.embedding.factory import create_embedder  # noqa: E402
from memory.options import DEFAULT_MODEL_ID  # noqa: E402

PEERS_VENV = ROOT / ".venv-peers"


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--systems", nargs="+", choices=list(SYSTEMS), default=list(SYSTEMS))
    ap.add_argument("--quick", action="store_true",
                    help="a smoke run: one conversation's first 40 turns, 400 rows at scale, one round, 20 s cap, "
                         "no model beside Omoide at scale")
    ap.add_argument("--rounds", type=int, default=5, help="search rounds over all questions, interleaved")
    ap.add_argument("--scale", type=int, default=100_000, help="rows in the scale phase's one cube (0: skip)")
    ap.add_argument("--scale-rounds", type=int, default=3)
    ap.add_argument("--cap", type=float, default=300.0, help="seconds each system may spend on turns at scale")
    ap.add_argument("--peers-python", default=str(PEERS_VENV / "bin" / "python"))
    ap.add_argument("--model-dir", type=Path, help="where the packaged model is converted (default: a temp dir)")
    args = ap.parse_args(argv)
    if args.quick:
        args.rounds, args.scale, args.scale_rounds, args.cap = 1, 400, 1, 20.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    systems: list[str] = list(args.systems)
    if not Path(args.peers_python).exists():
        skipped = [s for s in systems if SYSTEMS[s][1] == "peers"]
        if skipped:
            log(f"no peers venv at {args.peers_python} (make bench-peers builds it): skipping {', '.join(skipped)}")
        systems = [s for s in systems if s not in skipped]
    work = Path(tempfile.mkdtemp(prefix="omoide-bench-peers-"))
    try:
        model_dir = args.model_dir or work / "models"
        ds = data.locomo(None)
        if args.quick:
            ds = stage.subset(ds, 1, 40)
        log(f"staging {ds.turn_count} turns, {len(ds.questions)} questions, {args.scale} scale rows")
        embedder = create_embedder(DEFAULT_MODEL_ID, "fastembed", model_dir)
        staged = stage.build(work / "stage", ds, embedder, args.scale)
        del embedder
        pythons = {s: sys.executable if SYSTEMS[s][1] == "main" else args.peers_python for s in systems}
        plan = Plan(systems, pythons, staged.dir, work, model_dir, args.rounds, args.scale, args.scale_rounds, args.cap)
        out = {s: Outcome() for s in systems}
        locomo(plan, out)
        if args.scale:
            scale(plan, out)
        print(f"\n# Omoide beside its peers, {date.today().isoformat()}, {platform.machine()} {os.cpu_count()} cores, "
              f"Python {platform.python_version()}, model {DEFAULT_MODEL_ID}\n")
        print(f"{ds.name}: {len(ds.conversations)} scopes, {ds.turn_count} turns, {len(ds.questions)} questions, "
              f"top 10, {args.rounds} interleaved rounds; scale: {args.scale} synthetic rows in one cube, "
              f"{args.scale_rounds} rounds, {args.cap:.0f} s cap on turns per system.\n")
        print(Report(out, ds, staged.raw_embed_s, staged.turns).table().render())
        print("\n(x): the ratio to Omoide's cell of the row (\"Omoide, given vectors\" for store-side rows); "
              "above 1 Omoide is behind. Peers' rows incl. embedding add the raw e5 time of the same texts "
              "(measured in this run).")
        for s, o in out.items():
            for e in o.errors:
                print(f"- {SYSTEMS[s][2]}: {e.splitlines()[0]}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
