"""The two phases, each with a fresh process per system: LoCoMo (ingest one system at a time, then
search rounds interleaved across systems, the order rotated each round) and the 100k one-cube scale
phase (turns with given vectors until the time cap, the rest filled through each store's bulk path,
then interleaved search rounds)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.peers.client import Worker, WorkerFailed


@dataclass(slots=True)
class Outcome:
    """What one system did in both phases (None: not run, or failed)."""

    ingest_s: float | None = None
    ingest_n: int = 0
    search_ms: list[list[float]] = field(default_factory=list)  # per round, per question
    embed_ms: list[list[float]] = field(default_factory=list)  # Omoide as itself: paired raw query embeds
    hits: list[list[list[str]]] = field(default_factory=list)  # first round: per question, per result
    scale_turns: tuple[int, float] | None = None  # (turns in, seconds) under the cap
    scale_n: int = 0  # rows in the cube when searched
    scale_ms: list[list[float]] = field(default_factory=list)
    scale_own_ms: list[list[float]] = field(default_factory=list)  # Omoide at scale embedding its own queries
    scale_embed_ms: list[list[float]] = field(default_factory=list)  # ... paired raw query embeds
    rss_after_ingest: float | None = None
    rss_peak: float | None = None
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Plan:
    systems: list[str]
    pythons: dict[str, str]  # system -> interpreter
    stage: Path
    work: Path
    model_dir: Path
    rounds: int
    scale: int
    scale_rounds: int
    cap_s: float


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _each(workers: dict[str, Worker], out: dict[str, Outcome], what: str, fn: Callable[[str, Worker], object]) -> None:
    for name in list(workers):
        try:
            fn(name, workers[name])
        except WorkerFailed as exc:
            log(f"  {name}: {what} failed: {exc}")
            out[name].errors.append(f"{what}: {exc}")
            workers.pop(name).close()


def _start(plan: Plan, systems: list[str], phase: str, extra: dict[str, dict[str, Any]],
           out: dict[str, Outcome]) -> dict[str, Worker]:
    workers = {s: Worker(s, plan.pythons[s], plan.stage, plan.work / phase / s,
                         {"model_dir": str(plan.model_dir), **extra.get(s, {})}) for s in systems}
    _each(workers, out, "start", lambda s, w: w.wait_ready())
    return workers


def _rounds(workers: dict[str, Worker], out: dict[str, Outcome], phase: str, rounds: int) -> None:
    for r in range(rounds):
        names = list(workers)
        order = names[r % len(names):] + names[:r % len(names)] if names else []
        log(f"  {phase} search round {r + 1}/{rounds}")
        for name in order:
            try:
                reply = workers[name].call("search", phase=phase)
            except WorkerFailed as exc:
                log(f"  {name}: {phase} search failed: {exc}")
                out[name].errors.append(f"{phase} search: {exc}")
                workers.pop(name).close()
                continue
            o = out[name]
            (o.scale_ms if phase == "scale" else o.search_ms).append(reply["ms"])
            if phase == "locomo" and reply.get("embed_ms"):
                o.embed_ms.append(reply["embed_ms"])
            if phase == "scale" and reply.get("own_ms"):
                o.scale_own_ms.append(reply["own_ms"])
                o.scale_embed_ms.append(reply["own_embed_ms"])
            if phase == "locomo" and not o.hits:
                o.hits = reply["hits"]


def locomo(plan: Plan, out: dict[str, Outcome]) -> None:
    workers = _start(plan, plan.systems, "locomo", {}, out)

    def ingest(s: str, w: Worker) -> None:
        log(f"  locomo: {s} ingests")
        reply = w.call("ingest")
        out[s].ingest_s, out[s].ingest_n = reply["seconds"], reply["count"]

    _each(workers, out, "ingest", ingest)
    _each(workers, out, "prepare", lambda s, w: w.call("prepare", phase="locomo"))
    _rounds(workers, out, "locomo", plan.rounds)
    for w in workers.values():
        w.close()


def scale(plan: Plan, out: dict[str, Outcome]) -> None:
    systems = [s for s in plan.systems if s != "omoide"]  # embedding 100k texts would take hours here
    # the scale phase's Omoide holds the model, as a running bot does (and searches with it: search_own)
    workers = _start(plan, systems, "scale", {"omoide-vectors": {"load_model": True}}, out)

    def ingest(s: str, w: Worker) -> None:
        log(f"  scale: {s} takes turns up to {plan.scale} (cap {plan.cap_s:.0f} s)")
        turns = w.call("scale_ingest", start=0, n=plan.scale, cap_s=plan.cap_s)
        out[s].scale_turns = (turns["count"], turns["seconds"])
        out[s].rss_after_ingest = w.call("rss")["peak_mb"]
        filled = w.call("scale_fill", start=turns["count"], n=plan.scale, cap_s=plan.cap_s)
        out[s].scale_n = filled["count"]

    _each(workers, out, "scale ingest", ingest)
    _each(workers, out, "prepare", lambda s, w: w.call("prepare", phase="scale"))
    _rounds(workers, out, "scale", plan.scale_rounds)

    def close(s: str, w: Worker) -> None:
        out[s].rss_peak = w.close().get("peak_mb")

    _each(dict(workers), out, "close", close)
