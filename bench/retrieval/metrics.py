"""Recall at session and turn level, per question category, and latency percentiles.

recall@k (session): the share of questions for which at least one of the top k memories belongs to a
gold session (the session that holds the answer). recall@k (turn): the same for the gold turns
themselves, over the questions that have turn labels. A returned memory "owns" the dataset turns
saved into it: one, or more when the engine merged a near-duplicate turn into it (a user/assistant
pair is one turn here, labelled with the user turn's id).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from bench.retrieval.data import Question, Turn

KS = (5, 10)


@dataclass(slots=True)
class Outcome:
    """One question's ranked results (as dataset turns) and how long the search took."""

    question: Question
    ranked: list[list[Turn]]  # per returned memory, the dataset turns it owns
    seconds: float


@dataclass(slots=True)
class Scores:
    n: int
    session: dict[int, float]
    turn: dict[int, float]
    turn_n: int
    by_category: dict[str, dict[int, float]] = field(default_factory=dict)
    category_n: dict[str, int] = field(default_factory=dict)
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    misses: list[str] = field(default_factory=list)  # question ids not found at the largest k


def session_hit(o: Outcome, k: int) -> bool:
    return any(t.session in o.question.gold_sessions for owned in o.ranked[:k] for t in owned)


def turn_hit(o: Outcome, k: int) -> bool:
    return any(t.id in o.question.gold_turns for owned in o.ranked[:k] for t in owned)


def score(outcomes: list[Outcome]) -> Scores:
    n = len(outcomes)
    labelled = [o for o in outcomes if o.question.gold_turns]
    cats: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        cats[o.question.category].append(o)
    ms = np.array([o.seconds * 1000 for o in outcomes]) if outcomes else np.zeros(1)
    return Scores(
        n=n,
        session={k: sum(session_hit(o, k) for o in outcomes) / max(n, 1) for k in KS},
        turn={k: sum(turn_hit(o, k) for o in labelled) / max(len(labelled), 1) for k in KS},
        turn_n=len(labelled),
        by_category={c: {k: sum(session_hit(o, k) for o in os_) / len(os_) for k in KS}
                     for c, os_ in sorted(cats.items())},
        category_n={c: len(os_) for c, os_ in sorted(cats.items())},
        p50_ms=float(np.percentile(ms, 50)), p95_ms=float(np.percentile(ms, 95)),
        misses=[o.question.id for o in outcomes if not session_hit(o, KS[-1])],
    )
