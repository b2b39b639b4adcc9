"""SqliteStore's search candidates: the one-cube fast path (memory.search_one) when it can answer, the
general path (memory.search_many) otherwise; both over the same HNSW indexes, exact matrices, BM25
postings and FTS5 table (memory.search.Retriever), so they return the same candidates."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from memory.db.fastread import FastReader
from memory.index.manager import IndexManager
from memory.options import EngineOptions
from memory.search import Retriever
from memory.search_many import search_cubes
from memory.search_one import search_one_cube
from memory.store.candidates import CandidateQuery, CandidateSet
from memory.types import MemoryFilter


class SqliteSearch:
    def __init__(self, options: EngineOptions, indexes: IndexManager, reader: FastReader) -> None:
        self.retriever = Retriever(options, indexes, reader)
        self.one_cube_path = True  # False: every search takes the general path (the parity test compares)
        self.inline = True  # False: the one-cube path never runs its job on the loop's thread (the same)

    async def candidates(self, q: CandidateQuery) -> CandidateSet:
        f = q.f
        indexes = self.retriever.indexes
        if f.tenant is not None and f.cube is not None:  # one cube: a lookup, not a scan of every cube
            cubes = [(f.tenant, f.cube)] if indexes.get(f.tenant, f.cube) is not None else []
        else:
            cubes = [k for k in indexes.cubes()
                     if (f.tenant is None or k[0] == f.tenant) and (f.cube is None or k[1] == f.cube)]
        if not cubes:
            return CandidateSet({}, [], {})
        if self.one_cube_path:
            one = await search_one_cube(self.retriever, q.embed, f, q.now, q.text, q.n, vectors=q.with_vectors,
                                        observer=q.observer, embed_now=q.embed_now, rank=q.rank,
                                        vector=q.vector, inline=self.inline)
            if one is not None:
                return CandidateSet(one.candidates, one.rows, one.vectors, one.hits)
        many = await search_cubes(self.retriever, q.embed, q.observer, f, cubes, q.now, q.text, q.n,
                                  vectors=q.with_vectors)
        return CandidateSet(many.candidates, many.rows, many.vectors)

    async def nearest(self, f: MemoryFilter, queries: np.ndarray, k: int, now: datetime
                      ) -> list[list[tuple[int, float]]]:
        return await self.retriever.dense_many(f, now, queries, k)

    async def lexical(self, f: MemoryFilter, text: str, n: int, now: datetime) -> list[int]:
        return await self.retriever.lexical(text, f, now, n)

    async def warm(self, tenant: str, cube: str) -> None:
        await self.retriever.indexes.ensure_postings(tenant, cube)
