"""One system in its own process: `python -m bench.peers.worker SYSTEM STAGE_DIR WORK_DIR OPTIONS_JSON`.

Answers one JSON command per stdin line with one JSON line on the process's original stdout (anything a
library prints goes to stderr instead). The socket guard is on before any system is imported.
"""

from __future__ import annotations

from bench.peers import guard

guard.install()

import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, TextIO  # noqa: E402

import numpy as np  # noqa: E402

from bench.peers.systems import SYSTEMS  # noqa: E402
from bench.peers.systems.base import Rows, Store  # noqa: E402

BATCH = 256  # turns per add: bench.retrieval's save_batch size
FILL_BATCH = 2000
SCALE_CUBE = "scale"
TOP_K = 10


def rss() -> dict[str, float]:
    """Peak and current RSS from /proc (VmHWM is this process's own; ru_maxrss survives exec, so a
    worker would report its parent's peak)."""
    status = {k: v for k, _, v in (line.partition(":") for line in Path("/proc/self/status").read_text().splitlines())}
    return {"peak_mb": int(status["VmHWM"].split()[0]) / 1024, "now_mb": int(status["VmRSS"].split()[0]) / 1024}


class Worker:
    def __init__(self, system: str, stage: Path, work: Path, options: dict[str, Any]) -> None:
        meta = json.loads((stage / "stage.json").read_text(encoding="utf-8"))
        self.convs: list[dict[str, Any]] = meta["conversations"]
        self.turn_vectors = np.load(stage / "turn_vectors.npy")
        self.query_vectors = np.load(stage / "query_vectors.npy")
        self.scale_path = stage / "scale_vectors.npy"
        self.scale_vectors = np.load(self.scale_path, mmap_mode="r")  # its shape and offset; rows: _scale_slice
        options = {**options, "dim": meta["dim"], "query_prefix": meta["query_prefix"]}
        module = importlib.import_module(f"bench.peers.systems.{SYSTEMS[system][0]}")
        self.store: Store = module.create(system, work, options)
        self.all_turns = [t for c in self.convs for t in c["turns"]]

    def _conv_rows(self) -> list[tuple[str, Rows]]:
        out, at = [], 0
        for c in self.convs:
            turns = c["turns"]
            for lo in range(0, len(turns), BATCH):
                chunk = turns[lo:lo + BATCH]
                out.append((c["cube"], Rows([t["id"] for t in chunk], self.turn_vectors[at + lo:at + lo + len(chunk)],
                                            [t["text"] for t in chunk], [t["speaker"] for t in chunk],
                                            [t["session"] for t in chunk], [t["created_at"] for t in chunk])))
            at += len(turns)
        return out

    def _scale_slice(self, lo: int, hi: int) -> np.ndarray:
        """Staged rows read from the file, not through the memory map: a map's pages count in the
        worker's RSS (154 MB at 100k), which would charge the harness's input to the system measured."""
        m = self.scale_vectors
        dim = m.shape[1]
        return np.fromfile(self.scale_path, dtype=m.dtype, count=(hi - lo) * dim,
                           offset=m.offset + lo * dim * m.itemsize).reshape(hi - lo, dim)

    def _scale_rows(self, lo: int, hi: int) -> Rows:
        """Turns of a busy server: 100 users in 500 channels, LoCoMo's words with a counter."""
        idx = range(lo, hi)
        turns = self.all_turns
        return Rows([f"s{i}" for i in idx], self._scale_slice(lo, hi),
                    [f"{turns[i % len(turns)]['text']} #{i}" for i in idx], [f"user{i % 100}" for i in idx],
                    [f"chan{i % 500}" for i in idx])

    def _questions(self) -> list[tuple[str, str, np.ndarray]]:
        qs = [(c["cube"], q["text"]) for c in self.convs for q in c["questions"]]
        return [(cube, text, self.query_vectors[i]) for i, (cube, text) in enumerate(qs)]

    def handle(self, cmd: dict[str, Any]) -> dict[str, Any]:
        what = cmd["cmd"]
        if what == "ingest":
            batches = self._conv_rows()
            started = time.perf_counter()
            for cube, rows in batches:
                self.store.add(cube, rows)
            return {"seconds": time.perf_counter() - started, "count": sum(len(r.ids) for _, r in batches)}
        if what in ("scale_ingest", "scale_fill"):
            lo, n, cap = int(cmd["start"]), int(cmd["n"]), float(cmd["cap_s"])
            step = BATCH if what == "scale_ingest" else FILL_BATCH
            add = self.store.add if what == "scale_ingest" else self.store.fill
            started = time.perf_counter()
            while lo < n and time.perf_counter() - started < cap:
                hi = min(lo + step, n)
                add(SCALE_CUBE, self._scale_rows(lo, hi))
                lo = hi
            return {"seconds": time.perf_counter() - started, "count": lo}
        if what == "prepare":
            questions = self._questions()
            cubes = [SCALE_CUBE] if cmd["phase"] == "scale" else list(dict.fromkeys(c for c, _, _ in questions))
            for cube in cubes:
                self.store.prepare(cube)
            for cube, text, vec in questions[:10]:  # warm-up, untimed
                self.store.search(SCALE_CUBE if cmd["phase"] == "scale" else cube, vec, text, TOP_K)
            return {}
        if what == "search":
            scale = cmd["phase"] == "scale"
            found = [self.store.search(SCALE_CUBE if scale else cube, vec, text, TOP_K)
                     for cube, text, vec in self._questions()]
            embed = [f.embed_ms for f in found]
            reply = {"ms": [f.ms for f in found], "hits": [] if scale else [f.hits for f in found],
                     "embed_ms": embed if all(e is not None for e in embed) else None}
            search_own = getattr(self.store, "search_own", None)
            if scale and search_own is not None:  # Omoide at scale with its model: the paired own-embedding search
                own = [search_own(SCALE_CUBE, text, TOP_K) for _, text, _ in self._questions()]
                if all(o is not None and o.embed_ms is not None for o in own):
                    reply["own_ms"] = [o.ms for o in own if o is not None]
                    reply["own_embed_ms"] = [o.embed_ms for o in own if o is not None]
            return reply
        if what == "rss":
            return rss()
        if what == "close":
            self.store.close()
            return rss()
        raise ValueError(f"unknown command {what!r}")


def serve(worker: Worker, commands: TextIO, replies: TextIO) -> None:
    for line in commands:
        cmd = json.loads(line)
        try:
            reply = worker.handle(cmd)
        except Exception:  # reported to the parent, which drops this system from the rest of the run
            reply = {"error": traceback.format_exc()}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
        if cmd["cmd"] == "close":
            return


def main() -> None:
    system, stage, work, options = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), json.loads(sys.argv[4])
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # a library's prints must not break the protocol
    sys.stdout = sys.stderr
    work.mkdir(parents=True, exist_ok=True)
    try:
        worker = Worker(system, stage, work, options)
    except Exception:
        replies.write(json.dumps({"error": traceback.format_exc()}) + "\n")
        replies.flush()
        return
    replies.write(json.dumps({"ready": True, **rss()}) + "\n")
    replies.flush()
    serve(worker, sys.stdin, replies)


if __name__ == "__main__":
    main()
