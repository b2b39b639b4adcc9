"""The side-by-side table: one row per measure, one column per system, each cell with its ratio to
Omoide's cell of that row (ratio > 1: Omoide costs more there, i.e. is behind)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bench.peers.run import Outcome
from bench.peers.systems import SYSTEMS
from bench.retrieval.data import Dataset, Turn
from bench.retrieval.metrics import Outcome as Answer
from bench.retrieval.metrics import score
from bench.table import Table

Cell = tuple[float, str] | None  # (the value the ratio uses, the text shown)


def _p(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def _flat(rounds: list[list[float]]) -> list[float]:
    return [x for r in rounds for x in r]


def _k(n: int) -> str:
    if n < 1000:
        return str(n)
    return f"{n / 1000:.1f}k" if n < 10_000 else f"{n // 1000}k"


class Report:
    def __init__(self, out: dict[str, Outcome], ds: Dataset, raw_embed_s: float, turns: int) -> None:
        self.out, self.ds, self.raw_embed_s, self.turns = out, ds, raw_embed_s, turns
        self.systems = [s for s in SYSTEMS if s in out]
        self.e5 = out["omoide"].embed_ms if "omoide" in out else []

    def _with_e5(self, s: str) -> list[float]:
        """Each search plus the raw model's embedding of the same query in the same round (paired)."""
        o = self.out[s]
        if s == "omoide":
            return _flat(o.search_ms)
        pairs = zip(o.search_ms, self.e5, strict=False)
        return [a + b for ms, e5 in pairs for a, b in zip(ms, e5, strict=True)]

    def _row(self, table: Table, what: str, ref: str, cell: Callable[[str, Outcome], Cell],
             higher_better: bool) -> None:
        cells = {s: cell(s, self.out[s]) for s in self.systems}
        base = cells.get(ref)
        shown = []
        for s in self.systems:
            c = cells[s]
            if c is None:
                shown.append("-")
            elif s == ref or base is None or c[0] <= 0:
                shown.append(c[1])
            else:
                ratio = c[0] / base[0] if higher_better else base[0] / c[0]
                shown.append(f"{c[1]} ({ratio:.2f}x)")
        table.add(what, *shown)

    def recall(self, s: str) -> float | None:
        o = self.out[s]
        if not o.hits:
            return None
        turns: dict[str, Turn] = {t.id: t for c in self.ds.conversations for t in c.turns}
        questions = self.ds.questions
        answers = [Answer(q, [[turns[i] for i in hit if i in turns] for hit in hits], 0.0)
                   for q, hits in zip(questions, o.hits, strict=True)]
        return score(answers).session[5]

    def table(self) -> Table:
        table = Table(["what", *[SYSTEMS[s][2] for s in self.systems]])
        e5_rate = self.turns / self.raw_embed_s
        self._row(table, "search incl. query embedding, p50 / p95 ms", "omoide",
                  lambda s, o: (_p(v, 50), f"{_p(v, 50):.2f} / {_p(v, 95):.2f}") if (v := self._with_e5(s)) else None,
                  False)

        def minus(s: str, o: Outcome) -> Cell:
            if s == "omoide" and o.embed_ms:
                v = [a - b for ms, e5 in zip(o.search_ms, o.embed_ms, strict=True) for a, b in zip(ms, e5, strict=True)]
                return _p(v, 50), f"{_p(v, 50):.2f}"
            if s in ("omoide-vectors", "numpy") and o.search_ms:
                return _p(_flat(o.search_ms), 50), f"{_p(_flat(o.search_ms), 50):.2f}"
            return None

        self._row(table, "search minus its own query embedding (paired), p50 ms", "omoide", minus, False)

        def minus_at_scale(s: str, o: Outcome) -> Cell:
            if not o.scale_own_ms:
                return None
            v = [a - b for ms, e5 in zip(o.scale_own_ms, o.scale_embed_ms, strict=True)
                 for a, b in zip(ms, e5, strict=True)]
            return _p(v, 50), f"{_p(v, 50):.2f} at {_k(o.scale_n)}"

        self._row(table, "search minus its own query embedding at scale (paired), p50 ms", "omoide-vectors",
                  minus_at_scale, False)
        self._row(table, f"store-side search, {_k(self.turns)} turns, p50 ms", "omoide-vectors",
                  lambda s, o: (v := _p(_flat(o.search_ms), 50), f"{v:.2f}") if s != "omoide" and o.search_ms else None,
                  False)
        self._row(table, "store-side search, one cube at scale, p50 ms", "omoide-vectors",
                  lambda s, o: (v := _p(_flat(o.scale_ms), 50), f"{v:.2f} at {_k(o.scale_n)}") if o.scale_ms else None,
                  False)

        def with_embed(s: str, o: Outcome) -> Cell:
            if o.ingest_s is None:
                return None
            rate = o.ingest_n / (o.ingest_s + (0 if s == "omoide" else self.raw_embed_s))
            return rate, f"{rate:,.0f}/s"

        self._row(table, f"ingest incl. embedding, turns/s (raw e5 alone {e5_rate:,.0f}/s)", "omoide", with_embed, True)
        self._row(table, f"ingest with given vectors, {_k(self.turns)} turns/s", "omoide-vectors",
                  lambda s, o: (r := o.ingest_n / o.ingest_s, f"{r:,.0f}/s") if s != "omoide" and o.ingest_s else None,
                  True)

        def scale_turns(s: str, o: Outcome) -> Cell:
            if o.scale_turns is None or o.scale_turns[1] <= 0:
                return None
            n, secs = o.scale_turns
            return n / secs, f"{n / secs:,.0f}/s ({_k(n)} in {secs:.0f} s)"

        self._row(table, "ingest with given vectors, turns into one cube (time cap)", "omoide-vectors", scale_turns,
                  True)
        self._row(table, "peak RSS at scale, MB", "omoide-vectors",
                  lambda s, o: (o.rss_peak, f"{o.rss_peak:,.0f} ({o.rss_after_ingest or 0:,.0f} after turns)")
                  if o.rss_peak else None, False)
        self._row(table, "recall sess@5 (LoCoMo), %", "omoide",
                  lambda s, o: (r, f"{100 * r:.1f}") if (r := self.recall(s)) is not None else None, True)
        return table
