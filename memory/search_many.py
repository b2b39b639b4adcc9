"""The general path of a search: any filter, any number of cubes (memory.search_one answers the common
one-cube case in fewer hops; both hand the same candidates, rows and vectors to memory.hits)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import numpy as np

from memory.observe import Observer
from memory.search import Retriever, fuse
from memory.search_one import Embed
from memory.store.candidates import Candidate
from memory.types import MemoryFilter

T = TypeVar("T")


@dataclass(slots=True)
class ManyCubes:
    candidates: dict[int, Candidate]
    rows: Sequence[Any]
    vectors: dict[int, np.ndarray]  # the candidates' vectors, when asked for (diversity compares them)


async def search_cubes(retriever: Retriever, embed: Embed, observer: Observer, f: MemoryFilter,
                       cubes: Sequence[tuple[str, str]], now: datetime,
                       query: str, n: int, *, vectors: bool) -> ManyCubes:
    """Lexical candidates over the filter, the nearest `n` per cube, fused; then the rows that pass."""

    async def in_phase(name: str, step: Awaitable[T]) -> T:
        with observer.phase(name):
            return await step

    qvec, lex = await asyncio.gather(embed(), in_phase("lexical", retriever.lexical(query, f, now, n)))
    dense: list[tuple[int, float]] = []
    with observer.phase("vector"):
        for tenant, cube in cubes:
            sub = MemoryFilter(**{**_filter_dict(f), "tenant": tenant, "cube": cube})
            dense.extend(await retriever.dense(sub, now, qvec, n))
    dense.sort(key=lambda x: -x[1])
    cands = fuse(dense[:n], lex)
    rows = await retriever.reader.rows(list(cands), f, now)
    by_cube: dict[tuple[str, str], dict[int, Candidate]] = {}
    for r in rows:
        by_cube.setdefault((r.tenant, r.cube), {})[r.label] = cands[r.label]
    found: dict[int, Candidate] = {}
    kept: dict[int, np.ndarray] = {}
    for (tenant, cube), sub_cands in by_cube.items():
        kept.update(await retriever.fill_cosines(tenant, cube, qvec, sub_cands, keep_vectors=vectors))
        found.update(sub_cands)
    return ManyCubes(found, rows, kept)


def _filter_dict(f: MemoryFilter) -> dict[str, Any]:
    return {k: getattr(f, k) for k in MemoryFilter.__dataclass_fields__}
