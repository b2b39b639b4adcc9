"""The floors: raw hnswlib with the engine's HNSW parameters, and exact search with numpy. What any
store adds over them is its own cost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hnswlib
import numpy as np

from bench.peers.systems.base import Found, Rows, Simple, timed
from memory.options import HnswParams


class Hnsw(Simple):
    def __init__(self, dim: int) -> None:
        self.dim, self.params = dim, HnswParams()  # the engine's defaults
        self.indexes: dict[str, hnswlib.Index] = {}
        self.ids: dict[str, list[str]] = {}

    def add(self, cube: str, rows: Rows) -> None:
        if cube not in self.indexes:
            idx = hnswlib.Index(space="cosine", dim=self.dim)
            idx.init_index(max_elements=4096, ef_construction=self.params.ef_construction, M=self.params.m)
            idx.set_ef(self.params.ef_search)
            idx.set_num_threads(1)
            self.indexes[cube], self.ids[cube] = idx, []
        idx, ids = self.indexes[cube], self.ids[cube]
        if len(ids) + len(rows.ids) > idx.get_max_elements():
            idx.resize_index(max(2 * idx.get_max_elements(), len(ids) + len(rows.ids)))
        idx.add_items(rows.vectors, np.arange(len(ids), len(ids) + len(rows.ids)))
        ids.extend(rows.ids)

    def search(self, cube: str, vector: np.ndarray, text: str, k: int) -> Found:
        idx, ids = self.indexes[cube], self.ids[cube]
        (labels, _), ms = timed(lambda: idx.knn_query(vector, k=min(k, len(ids))))
        return Found([[ids[int(i)]] for i in labels[0]], ms)


class Exact(Simple):
    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {}
        self.matrix: dict[str, np.ndarray] = {}
        self.ids: dict[str, list[str]] = {}

    def add(self, cube: str, rows: Rows) -> None:
        self.parts.setdefault(cube, []).append(np.ascontiguousarray(rows.vectors, dtype=np.float32))
        self.ids.setdefault(cube, []).extend(rows.ids)
        self.matrix.pop(cube, None)

    def prepare(self, cube: str) -> None:
        self.matrix[cube] = np.vstack(self.parts[cube])
        self.parts[cube] = [self.matrix[cube]]

    def search(self, cube: str, vector: np.ndarray, text: str, k: int) -> Found:
        matrix, ids = self.matrix[cube], self.ids[cube]

        def top() -> np.ndarray:
            sims = matrix @ vector
            k_ = min(k, len(sims))
            best = np.argpartition(-sims, k_ - 1)[:k_]
            return best[np.argsort(-sims[best])]

        best, ms = timed(top)
        return Found([[ids[int(i)]] for i in best], ms)


def create(name: str, work: Path, options: dict[str, Any]) -> Hnsw | Exact:
    return Hnsw(int(options["dim"])) if name == "hnswlib" else Exact()
