"""`python -m bench.retrieval.variants`: the untried retrieval ideas of issue 15, each measured against the
engine's defaults (bench.retrieval.sim, checked against the engine) and BM25 on every set in one run.

    python -m bench.retrieval.variants --sets locomo-dev lme-arena lme-june ja-community locomo-all

Selection rule (issue 15): choose on locomo-dev, lme-arena and lme-june only; a variant is kept as a
default only if it gains more than two questions on locomo-dev and loses at most one on each other
selection set. locomo-all is printed as totals only; per-question results are never printed here.
"""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from functools import cached_property  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from bench.retrieval.__main__ import SETS  # noqa: E402
from bench.retrieval.baseline import bm25  # noqa: E402
from bench.retrieval.metrics import KS, Outcome, Scores, score  # noqa: E402
from bench.retrieval.sim import (  # noqa: E402
    BM25,
    CONTEXT_CHARS,
    TOP_K,
    Scope,
    VectorCache,
    build_scope,
    n_candidates,
    rank,
    top_lexical,
)
from bench.table import Table  # noqa: E402
from memory.embedding.factory import create_embedder  # noqa: E402
from memory.options import DEFAULT_MODEL_ID  # noqa: E402
from memory.ranking import diversity_pool  # noqa: E402
from memory.search import calibrate  # noqa: E402
from memory.turn_text import labelled_turn, with_context  # noqa: E402

MODEL = DEFAULT_MODEL_ID
SELECTION = ("locomo-dev", "lme-arena", "lme-june")


def window(scope: Scope, i: int, before: int, after: int) -> str:
    """Memory i's session neighbours around its own text (the context's far ends cut, as turn_text does)."""
    order = scope.sessions[scope.memories[i].session]
    at = order.index(i)
    prev = "\n".join(scope.memories[j].own for j in order[max(0, at - before):at])
    nxt = "\n".join(scope.memories[j].own for j in order[at + 1:at + 1 + after])
    prev = prev if len(prev) <= CONTEXT_CHARS else "…" + prev[-CONTEXT_CHARS:]
    nxt = nxt if len(nxt) <= CONTEXT_CHARS else nxt[:CONTEXT_CHARS] + "…"
    return "\n".join(p for p in (prev, scope.memories[i].own, nxt) if p)


def turn_windows(before: int, after: int, first_only: bool = False) -> Callable[[Scope], tuple[list[str], list[int]]]:
    """A second vector per turn that has a later turn in its session: its window on both sides (what a
    store could add when the next turn arrives); `first_only`: only for a session's first turn, the one
    saved without context."""
    def make(scope: Scope) -> tuple[list[str], list[int]]:
        texts, owners = [], []
        for order in scope.sessions.values():
            for at, i in enumerate(order):
                if at + 1 < len(order) and (at == 0 or not first_only):
                    texts.append(window(scope, i, before, after))
                    owners.append(i)
        return texts, owners
    return make


@dataclass
class Prepared:
    """A scope with its optional extra vectors, computed on first use and shared by the variants."""

    scope: Scope
    cache: VectorCache
    extras: dict[str, tuple[np.ndarray, list[list[int]]]] = field(default_factory=dict)

    def extra(self, name: str) -> tuple[np.ndarray, list[list[int]]]:
        """Extra vectors and, for each, the memories it stands for."""
        if name not in self.extras:
            kind, a, b = name.split(":")
            if kind in ("turn", "first"):
                texts, owners = turn_windows(int(a), int(b), first_only=kind == "first")(self.scope)
                members = [[o] for o in owners]
            elif kind == "user":  # a user/assistant pair's user message alone, its speaker named
                ms = self.scope.memories
                owners = [i for i, m in enumerate(ms) if m.turns[0].reply]
                texts = [labelled_turn(ms[i].turns[0].text, None, ms[i].speaker) for i in owners]
                members = [[o] for o in owners]
            elif kind == "pair":  # the engine's text for a pair with its reply cut to `a` characters
                ms = self.scope.memories
                owners = [i for i, m in enumerate(ms) if m.turns[0].reply]
                texts = [with_context(labelled_turn(ms[i].turns[0].text, (ms[i].turns[0].reply or "")[:int(a)],
                                                    ms[i].speaker), [ms[i].previous], CONTEXT_CHARS) for i in owners]
                members = [[o] for o in owners]
            else:
                size, stride = int(a), int(b)
                texts, members = [], []
                for order in self.scope.sessions.values():
                    starts = list(range(0, max(len(order) - size, 0) + 1, stride))
                    if starts[-1] + size < len(order):
                        starts.append(len(order) - size)
                    for s in starts:
                        group = order[s:s + size]
                        texts.append("\n".join(self.scope.memories[j].own for j in group)[:2000])
                        members.append(group)
            self.extras[name] = (self.cache.passages(texts), members)
        return self.extras[name]

    @cached_property
    def lexical_own(self) -> BM25:
        return BM25([m.own for m in self.scope.memories])

    @cached_property
    def lexical_fields(self) -> tuple[BM25, BM25, BM25]:
        ms = self.scope.memories
        return BM25([m.speaker for m in ms]), BM25([m.words for m in ms]), BM25([m.previous for m in ms])


def best_of(n: int, cos: np.ndarray, members: list[list[int]]) -> np.ndarray:
    """Per memory, the best cosine among the extra vectors that stand for it (-1 where none)."""
    out = np.full(n, -1.0)
    for c, group in zip(cos.tolist(), members, strict=True):
        for j in group:
            if c > out[j]:
                out[j] = c
    return out


@dataclass(frozen=True, slots=True)
class Variant:
    idea: str
    name: str
    multi: str | None = None  # extra vectors scored with the turn's own ("turn:1:1", "session:6:3")
    session_prior: float = 0.0  # + weight * calibrated best session-window similarity
    prior_windows: str = "session:6:3"
    fields: tuple[float, float, float] | None = None  # BM25 weights: speaker, words, previous turn
    fusion: str = "score"  # "score" (engine), "minmax", "z", "learned"
    boost: float = 0.2
    weights: tuple[float, ...] = ()  # learned fusion weights (set at run time)
    same_session: float = 0.0  # diversity by session: - weight x earlier results of the same session


def features(p: Prepared, v: Variant, qvec: np.ndarray, qtext: str) -> tuple[np.ndarray, np.ndarray]:
    """The candidate set and, per candidate, [calibrated dense, lexical boost 1/rank, lexical score / the
    best lexical score, calibrated session prior]."""
    s = p.scope
    n = len(s.memories)
    cos = s.vectors @ qvec
    if v.multi:
        vecs, members = p.extra(v.multi)
        extra = best_of(n, vecs @ qvec, members)
        # "pair:..." replaces a pair's vector; the others are second vectors, the better one scoring
        cos = np.where(extra > -1, extra, cos) if v.multi.startswith("pair") else np.maximum(cos, extra)
    if v.fields:
        lex = np.zeros(n)
        for w, f in zip(v.fields, p.lexical_fields, strict=True):
            if w:
                lex += w * f.scores(qtext)
    else:
        lex = p.lexical_own.scores(qtext)
    k = n_candidates()
    dense = np.argsort(-cos, kind="stable")[:k].tolist()
    lexical = top_lexical(lex, k)
    cand = sorted(set(dense) | set(lexical))
    lex_rank = np.zeros(n)
    lex_rank[lexical] = np.arange(1, len(lexical) + 1)
    prior = np.zeros(n)
    if v.session_prior:
        vecs, members = p.extra(v.prior_windows)
        wcos = vecs @ qvec
        best: dict[str, float] = {}
        for c, group in zip(wcos.tolist(), members, strict=True):
            sess = s.memories[group[0]].session
            best[sess] = max(best.get(sess, -1.0), c)
        prior = calibrate(np.array([best.get(m.session, -1.0) for m in s.memories]), MODEL)
    idx = np.array(cand)
    top = float(lex.max()) if len(lex) and lex.max() > 0 else 1.0
    feats = np.stack([calibrate(cos[idx], MODEL), np.where(lex_rank[idx] > 0, 1 / np.maximum(lex_rank[idx], 1), 0),
                      lex[idx] / top, prior[idx]], axis=1)
    return idx, feats


def relevance(v: Variant, feats: np.ndarray) -> np.ndarray:
    cal, inv_rank, lex_norm, prior = feats.T
    if v.fusion == "minmax":
        span = cal.max() - cal.min()
        cal = (cal - cal.min()) / span if span > 0 else np.zeros_like(cal)
        inv_rank = lex_norm
    elif v.fusion == "z":
        cal = (cal - cal.mean()) / (cal.std() + 1e-9)
        inv_rank = (lex_norm - lex_norm.mean()) / (lex_norm.std() + 1e-9)
    elif v.fusion == "learned":
        w = np.asarray(v.weights, np.float64)
        return np.asarray(feats @ w[:-1] + w[-1], np.float64)
    return np.asarray(cal + v.boost * inv_rank + v.session_prior * prior, np.float64)


def answer(p: Prepared, v: Variant, qvec: np.ndarray, qtext: str) -> list[int]:
    idx, feats = features(p, v, qvec, qtext)
    full = np.full(len(p.scope.memories), -np.inf)
    full[idx] = relevance(v, feats)
    if v.same_session:
        return rank_by_session(p.scope, full, idx.tolist(), v.same_session)
    return rank(p.scope, full, idx.tolist(), MODEL)


def rank_by_session(scope: Scope, relevance: np.ndarray, cand: list[int], weight: float,
                    diversity: float = 0.1, importance_weight: float = 0.1) -> list[int]:
    """`sim.rank` (importance, diversity over the best 20) with a second penalty per earlier result of the
    same session: a soft cap on how much of the top one session fills."""
    idx = np.asarray(sorted(cand), np.int64)
    score = (1.0 - importance_weight) * relevance[idx] + importance_weight * 0.5
    pool = idx[np.argsort(-score, kind="stable")[:diversity_pool(TOP_K)]]
    base = (1.0 - importance_weight) * relevance[pool] + importance_weight * 0.5
    vecs = scope.vectors[pool]
    near = calibrate(vecs @ vecs.T, MODEL)
    sessions = [scope.memories[i].session for i in pool]
    closest = np.zeros(len(pool))
    seen: dict[str, int] = {}
    chosen: list[int] = []
    for _ in range(min(TOP_K, len(pool))):
        value = base - diversity * closest - weight * np.array([seen.get(x, 0) for x in sessions])
        value[chosen] = -np.inf
        j = int(value.argmax())
        chosen.append(j)
        seen[sessions[j]] = seen.get(sessions[j], 0) + 1
        np.maximum(closest, near[j], out=closest)
    return [int(pool[j]) for j in chosen]


def run_variant(prepared: list[Prepared], qvecs: dict[str, np.ndarray], v: Variant) -> list[Outcome]:
    out = []
    for p in prepared:
        for q in p.scope.conversation.questions:
            ranked = answer(p, v, qvecs[q.id], q.text)
            out.append(Outcome(q, [p.scope.memories[i].turns for i in ranked], 0.0))
    return out


def fit_learned(prepared: list[Prepared], qvecs: dict[str, np.ndarray], base: Variant) -> tuple[float, ...]:
    """Logistic regression (numpy, L2, full-batch gradient descent) on candidates labelled by gold session."""
    xs, ys = [], []
    for p in prepared:
        for q in p.scope.conversation.questions:
            idx, feats = features(p, base, qvecs[q.id], q.text)
            xs.append(feats)
            ys.append(np.array([p.scope.memories[i].session in q.gold_sessions for i in idx], np.float64))
    x, y = np.concatenate(xs), np.concatenate(ys)
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    pos = max(y.mean(), 1e-3)
    sample = np.where(y > 0, 0.5 / pos, 0.5 / (1 - pos))  # balanced classes
    for _ in range(3000):
        pr = 1 / (1 + np.exp(-(xb @ w)))
        grad = xb.T @ (sample * (pr - y)) / len(y) + 1e-3 * np.r_[w[:-1], 0]
        w -= 0.5 * grad
    return tuple(float(a) for a in w)


VARIANTS = [  # the ones that only rank differently first: they need no new vectors
    Variant("engine default (this copy)", "score fusion 0.2 + diversity 0.1"),
    Variant("BM25 over fields", "speaker 0.5, words 1, previous 0.3", fields=(0.5, 1.0, 0.3)),
    Variant("BM25 over fields", "speaker 0, words 1, previous 0.5", fields=(0.0, 1.0, 0.5)),
    Variant("BM25 over fields", "speaker 1, words 1, previous 0", fields=(1.0, 1.0, 0.0)),
    Variant("per-query normalisation", "min-max dense + 0.2 x BM25/best", fusion="minmax", boost=0.2),
    Variant("per-query normalisation", "min-max dense + 0.4 x BM25/best", fusion="minmax", boost=0.4),
    Variant("per-query normalisation", "z-scores, lexical 0.3", fusion="z", boost=0.3),
    Variant("per-query normalisation", "z-scores, lexical 0.6", fusion="z", boost=0.6),
    Variant("BM25 over fields", "speaker 1, words 1, previous 0.3", fields=(1.0, 1.0, 0.3)),
    Variant("per-query normalisation", "min-max dense + 0.1 x BM25/best", fusion="minmax", boost=0.1),
    Variant("per-query normalisation", "z-scores, lexical 0.15", fusion="z", boost=0.15),
    Variant("session-level documents", "session prior 0.1 (6-turn windows)", session_prior=0.1),
    Variant("session-level documents", "session prior 0.2 (6-turn windows)", session_prior=0.2),
    Variant("session windows", "multi-vector: 6-turn windows, stride 3", multi="session:6:3"),
    Variant("context window both sides", "2nd vector: previous + turn + next", multi="turn:1:1"),
    Variant("context window both sides", "2nd vector: 2 before + turn + 2 after", multi="turn:2:2"),
    Variant("user message alone", "2nd vector for a user/assistant pair: the user's words", multi="user:0:0"),
    Variant("context window both sides", "2nd vector for a session's first turn: turn + next", multi="first:0:1"),
    Variant("a pair's vector", "embedded with its reply cut to 300 characters", multi="pair:300:0"),
    Variant("a pair's vector", "embedded without its reply (user message + context)", multi="pair:0:0"),
    Variant("diversity by session", "- 0.02 per earlier result of the same session", same_session=0.02),
    Variant("diversity by session", "- 0.05 per earlier result of the same session", same_session=0.05),
]


def counts(s: Scores) -> str:
    return f"{round(s.session[5] * s.n)}/{round(s.session[10] * s.n)}"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SELECTION))
    ap.add_argument("--only", nargs="*", type=int, help="variant indexes (0 is always run)")
    ap.add_argument("--no-learned", action="store_true")
    ap.add_argument("--rank-only", nargs="*", default=[], help="sets where variants that embed new texts are skipped")
    ap.add_argument("--skip", nargs="*", default=[], metavar="SET:INDEX",
                    help="variants not run on one set (e.g. lme-june:14: its long windows take too long to embed)")
    args = ap.parse_args(argv)
    skip = {tuple(x.split(":")) for x in args.skip}
    embedder = create_embedder(MODEL, "fastembed", Path("/tmp/omoide-bench-models"))
    cache = VectorCache(embedder)
    variants = [VARIANTS[0], *(VARIANTS[i] for i in (args.only or range(1, len(VARIANTS))) if i)]
    data = {}
    for name in args.sets:
        ds = SETS[name]()
        prepared = [Prepared(build_scope(c, cache), cache) for c in ds.conversations]
        vecs = cache.queries([q.text for q in ds.questions])
        data[name] = (ds, prepared, dict(zip([q.id for q in ds.questions], vecs, strict=True)))
    fit_on = [s for s in ("lme-arena", "lme-june") if s in data]
    if not args.no_learned and fit_on:
        base = Variant("learned fusion", "")
        train = [p for s in fit_on for p in data[s][1]]
        qvs = {k: v for s in fit_on for k, v in data[s][2].items()}
        w = fit_learned(train, qvs, base)
        label = f"logistic fitted on {' + '.join(fit_on)}: " + ", ".join(f"{x:.2f}" for x in w)
        variants.append(Variant("learned fusion", label, fusion="learned", weights=w))
    results: dict[str, dict[str, Scores]] = {}
    for name, (ds, prepared, qv) in data.items():
        results[name] = {"bm25": score(bm25(ds))}
        for v in variants:
            if name in args.rank_only and (v.multi or v.session_prior):
                continue  # needs vectors of new texts: measured where it first had to win (locomo-dev)
            if v in VARIANTS and (name, str(VARIANTS.index(v))) in skip:
                continue
            results[name][v.name] = r = score(run_variant(prepared, qv, v))
            turns = f", turns {r.turn[5] * 100:.1f}/{r.turn[10] * 100:.1f}% of {r.turn_n}" if r.turn_n else ""
            print(f"  {name}: {v.idea}, {v.name}: {counts(r)} of {r.n}{turns}", file=sys.stderr, flush=True)
    header = ["idea", "variant", *[f"{s} S@5/S@10" for s in data]]
    table = Table(header)
    table.add("BM25 baseline", "rank_bm25", *[counts(results[s]["bm25"]) for s in data])
    ref = {s: results[s][VARIANTS[0].name] for s in data}
    for v in variants:
        cells = []
        for s in data:
            if v.name not in results[s]:
                cells.append("-")
                continue
            r = results[s][v.name]
            d5 = round((r.session[5] - ref[s].session[5]) * r.n)
            d10 = round((r.session[10] - ref[s].session[10]) * r.n)
            cells.append(counts(r) + ("" if v is variants[0] else f" ({d5:+d}/{d10:+d})"))
        table.add(v.idea, v.name, *cells)
    print("questions found at 5 / at 10 (change from the engine default in questions)")
    print(table.render())
    print("\nin %: " + "; ".join(f"{s} ({results[s]['bm25'].n} q): BM25 " +
                                 "/".join(f"{100 * results[s]['bm25'].session[k]:.1f}" for k in KS) + ", default " +
                                 "/".join(f"{100 * ref[s].session[k]:.1f}" for k in KS) for s in data))


if __name__ == "__main__":
    main()
