"""Keeps one CubeIndex per (tenant, cube) in step with the database, which is the source of truth.

At start each persisted index is loaded and checked against the cube's generation counter in the
database; a missing or corrupt file is rebuilt from stored vectors, a stale one is caught up
(missing labels added, extra ones marked deleted) without re-embedding anything.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from memory.index.matrix import VectorMatrix
from memory.index.postings import BUILD_CHUNK, DocRow, LexicalPostings, PostingsBuilder
from memory.index.vector import CubeIndex
from memory.options import HnswParams

log = logging.getLogger(__name__)
MATRIX_CHUNK = 8192  # stored vectors read at a time to fill a cube's matrix (12 MB)

CubeKey = tuple[str, str]
# (tenant, cube, labels or None for all) -> (labels, vectors) of live rows
VectorSource = Callable[[str, str, "np.ndarray | None"], Awaitable[tuple[np.ndarray, np.ndarray]]]
LabelSource = Callable[[str, str], Awaitable[np.ndarray]]
# (tenant, cube, after label, limit) -> the cube's FTS documents with labels above it, in label order
DocSource = Callable[[str, str, int, int], Awaitable[list[DocRow]]]


@dataclass
class CubeState:
    index: CubeIndex
    generation: int
    saved_generation: int = -1
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def index_path(root: Path, tenant: str, cube: str) -> Path:
    """A readable, collision-free file name for any tenant/cube string."""
    def safe(s: str) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]", "_", s)[:60]
    digest = hashlib.sha1(f"{tenant}\x00{cube}".encode()).hexdigest()[:10]
    return root / f"{safe(tenant)}__{safe(cube)}__{digest}.hnsw"


class IndexManager:
    def __init__(self, root: Path, dim: int, model_id: str, params: HnswParams,
                 vectors: VectorSource, labels: LabelSource, documents: DocSource | None = None) -> None:
        self.root = root
        self.dim = dim
        self.model_id = model_id
        self.params = params
        self._vectors = vectors
        self._labels = labels
        self._documents = documents
        self._cubes: dict[CubeKey, CubeState] = {}
        self._postings: dict[CubeKey, LexicalPostings] = {}
        # cubes whose postings are being built -> writes committed meanwhile, replayed when it ends
        self._building: dict[CubeKey, list[tuple[list[DocRow], list[int]]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def get(self, tenant: str, cube: str) -> CubeState | None:
        return self._cubes.get((tenant, cube))

    def create(self, tenant: str, cube: str, generation: int = 0) -> CubeState:
        state = self._cubes.get((tenant, cube))
        if state is None:
            state = CubeState(CubeIndex(self.dim, self.params), generation)
            self._cubes[(tenant, cube)] = state
        return state

    def cubes(self) -> list[CubeKey]:
        return list(self._cubes)

    async def open_cube(self, tenant: str, cube: str, generation: int) -> str:
        """Load, catch up or rebuild one cube's index; returns what it did ('loaded', 'caught up', 'rebuilt')."""
        path = index_path(self.root, tenant, cube)
        loaded = await asyncio.to_thread(CubeIndex.load, path, dim=self.dim, model_id=self.model_id,
                                         params=self.params)
        if loaded is None:
            await self.rebuild(tenant, cube, generation)
            return "rebuilt"
        index, saved_gen = loaded
        state = CubeState(index, generation, saved_generation=saved_gen)
        self._cubes[(tenant, cube)] = state
        if saved_gen == generation:
            return "loaded"
        await self._catch_up(tenant, cube, state)
        return "caught up"

    async def _catch_up(self, tenant: str, cube: str, state: CubeState) -> None:
        alive = await self._labels(tenant, cube)
        in_index = await asyncio.to_thread(state.index.all_labels)
        missing = np.array(sorted(set(alive.tolist()) - in_index), dtype=np.int64)
        extra = in_index - set(alive.tolist())
        if len(missing):
            labels, vecs = await self._vectors(tenant, cube, missing)
            await asyncio.to_thread(state.index.add, labels, vecs)
        removed = await asyncio.to_thread(state.index.delete, extra) if extra else 0
        # the sidecar's alive count may lag; recount from the database
        state.index.set_alive(len(alive))
        log.info("index %s/%s caught up: %d added, %d removed", tenant, cube, len(missing), removed)

    async def rebuild(self, tenant: str, cube: str, generation: int) -> CubeState:
        """A fresh index from the stored vectors (no re-embedding)."""
        index = await self.build(tenant, cube)
        state = CubeState(index, generation)
        self._cubes[(tenant, cube)] = state
        log.info("index %s/%s rebuilt from %d stored vectors", tenant, cube, index.alive)
        return state

    async def build(self, tenant: str, cube: str) -> CubeIndex:
        """A fresh index from the stored vectors, not yet in use (see `install`)."""
        labels, vecs = await self._vectors(tenant, cube, None)
        index = CubeIndex(self.dim, self.params, capacity=max(1024, int(len(labels) * 1.25)))
        await asyncio.to_thread(index.add, labels, vecs)
        return index

    async def install(self, tenant: str, cube: str, index: CubeIndex, generation: int) -> CubeState:
        """Put an index built while writes went on into use, caught up with the database.

        Call it under the engine's write lock, so no write lands between the catch-up and the swap.
        """
        state = CubeState(index, generation)
        await self._catch_up(tenant, cube, state)
        self._cubes[(tenant, cube)] = state
        return state

    async def ensure_matrix(self, tenant: str, cube: str) -> None:
        """Fill the cube's compact vector matrix (memory.index.matrix) from the database, once."""
        state = self._cubes.get((tenant, cube))
        if state is None or state.index.matrix is not None:
            return
        async with state.lock:
            if state.index.matrix is None:
                state.index.matrix = await self._fill_matrix(tenant, cube, state.index)

    async def _fill_matrix(self, tenant: str, cube: str, index: CubeIndex) -> VectorMatrix:
        """The cube's stored vectors read a chunk at a time into one matrix, in label order.

        Reading them all at once held the rows, their joined bytes and a sorted copy beside the matrix
        (~600 MB over its 154 at 100k: a restarted bot's first save paid it). Rows written meanwhile
        are read after the chunks; any still later take the slow path in `CubeIndex.scope_vectors`.
        """
        labels = np.array(sorted(await asyncio.to_thread(index.all_labels)), np.int64)
        matrix = VectorMatrix(labels[:0], np.empty((0, self.dim), np.float32), capacity=int(len(labels) * 1.25))
        for lo in range(0, len(labels), MATRIX_CHUNK):
            found, vecs = await self._vectors(tenant, cube, labels[lo:lo + MATRIX_CHUNK])
            matrix.append(found, vecs)
        held = set(labels.tolist())
        newer = np.array(sorted(await asyncio.to_thread(index.all_labels) - held), np.int64)
        if len(newer):
            matrix.append(*await self._vectors(tenant, cube, newer))
        return matrix

    # -- lexical postings (memory.index.postings) ---------------------------------------------------
    def postings(self, tenant: str, cube: str) -> LexicalPostings | None:
        """The cube's in-memory postings, or None while they are built (started here, off the loop)."""
        key = (tenant, cube)
        found = self._postings.get(key)
        if found is None and key not in self._building and self._documents is not None and key in self._cubes:
            self._building[key] = []
            task = asyncio.get_running_loop().create_task(self._build_postings(key))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return found

    async def ensure_postings(self, tenant: str, cube: str) -> LexicalPostings | None:
        """Build the cube's postings now if they are missing (warm-up, tests)."""
        self.postings(tenant, cube)
        while (tenant, cube) in self._building and self._tasks:
            await asyncio.gather(*self._tasks)
        return self._postings.get((tenant, cube))

    async def _build_postings(self, key: CubeKey) -> None:
        assert self._documents is not None
        try:  # a chunk at a time: all of a cube's documents at once cost their size again in RSS
            builder, after = PostingsBuilder(), -(1 << 63)
            while rows := await self._documents(*key, after, BUILD_CHUNK):
                await asyncio.to_thread(builder.feed, rows)
                after = rows[-1][0]
                del rows
            built = await asyncio.to_thread(builder.finish)
        except Exception:  # lexical search keeps using FTS5; the next search tries again
            log.exception("building lexical postings for %s/%s failed", *key)
            self._building.pop(key, None)
            return
        # writes committed while the rows were read or the arrays built: add skips labels it holds
        for adds, removes in self._building.pop(key, []):
            built.remove(removes)
            built.add(adds)
        if key in self._cubes:
            self._postings[key] = built

    def lexical_changed(self, tenant: str, cube: str, adds: list[DocRow], removes: list[int]) -> None:
        """After a commit: the postings follow the database, like the vector index."""
        key = (tenant, cube)
        if key in self._building:
            self._building[key].append((adds, removes))
        elif (found := self._postings.get(key)) is not None:
            try:
                found.remove(removes)
                found.add(adds)
            except Exception:  # never serve stale postings: drop them, the next search rebuilds
                log.exception("lexical postings update failed for %s/%s; rebuilding", tenant, cube)
                self._postings.pop(key, None)

    async def save(self, tenant: str, cube: str) -> bool:
        """Persist one cube's index if it changed since the last save."""
        state = self._cubes.get((tenant, cube))
        if state is None or state.saved_generation == state.generation:
            return False
        gen = state.generation
        await asyncio.to_thread(state.index.save, index_path(self.root, tenant, cube), generation=gen,
                                model_id=self.model_id)
        state.saved_generation = gen
        return True
