"""The BM25-only baseline, computed in the same run: rank_bm25's Okapi BM25 (k1 1.5, b 0.75) over each
turn's lemmatised content words (lower-cased, stopwords dropped, English lemmas), one turn per
document, no speaker names, no context: the classic keyword search a memory layer has to beat.
"""

from __future__ import annotations

import time

import numpy as np

from bench.retrieval.data import Dataset
from bench.retrieval.metrics import Outcome
from bench.retrieval.run import TOP_K
from memory.text.tokenize import tokenize


def words(text: str) -> list[str]:
    return [t.base.lower() for t in tokenize(text) if t.content]


def bm25(ds: Dataset) -> list[Outcome]:
    # rank_bm25 comes with the bench extra (`make bench-retrieval` installs it); tests import this module without it
    from rank_bm25 import BM25Okapi

    outcomes: list[Outcome] = []
    for conv in ds.conversations:
        docs = [words(t.text + ("\n" + t.reply if t.reply else "")) for t in conv.turns]
        index = BM25Okapi(docs)
        for q in conv.questions:
            started = time.perf_counter()
            scores = index.get_scores(words(q.text))
            top = np.argsort(-scores, kind="stable")[:TOP_K]
            outcomes.append(Outcome(q, [[conv.turns[i]] for i in top], time.perf_counter() - started))
    return outcomes
