"""A search's candidates as the engine asks a store for them (CandidateQuery) and gets them back
(CandidateSet): each store finds them its own way (memory.store.base), the engine ranks them (memory.hits)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from memory.observe import NO_OBSERVER, Observer
from memory.store.base import StoredRow
from memory.types import Memory, MemoryFilter, SearchHit


@dataclass(slots=True)
class Candidate:
    """A search candidate: cosine to the query (NaN until known) and its rank on each side."""

    label: int
    cosine: float
    dense_rank: int | None = None
    lexical_rank: int | None = None


# (candidate rows, candidates, vectors, the Memory objects of chosen labels or None: built from the rows)
Rank = Callable[[Sequence[StoredRow], dict[int, Candidate], dict[int, np.ndarray],
                 Callable[[Sequence[int]], dict[int, Memory]] | None], list[SearchHit]]


@dataclass(slots=True)
class CandidateQuery:
    """A search in the filter's scope (any number of cubes): `n` candidates per side. `embed` returns the
    query's vector; the store awaits it when it wants (SQLite reads a scope's labels meanwhile)."""

    f: MemoryFilter
    text: str
    embed: Callable[[], Awaitable[np.ndarray]]
    n: int
    now: datetime
    with_vectors: bool = False  # return the candidates' stored vectors too (diversity compares them)
    observer: Observer = NO_OBSERVER  # told the search's phases ("lexical", "vector")
    # the same vector computed on the calling thread, or None while the model is busy elsewhere: SQLite's
    # one-cube search runs it in its reader's job, one thread hop instead of two (memory.search_one)
    embed_now: Callable[[], np.ndarray] | None = None
    # the engine's ranking (memory.hits): SQLite's one-cube search runs it in its reader's job, reading
    # whole rows only for the hits, and returns them in CandidateSet.hits; other searches return rows
    rank: Rank | None = None
    # the query's vector when the caller gave it (`embed` then returns it too): SQLite's one-cube search of
    # a small scope runs its job on the event loop's thread, with no hop (memory.search_one)
    vector: np.ndarray | None = None


@dataclass(slots=True)
class CandidateSet:
    """Candidates (cosines filled) and the rows of those that pass the filter and have not expired."""

    candidates: dict[int, Candidate]
    rows: Sequence[StoredRow]
    vectors: dict[int, np.ndarray]  # label -> stored vector, when asked for
    hits: list[SearchHit] | None = None  # already ranked by the query's `rank` (rows then left empty)
