"""chromadb, embedded (PersistentClient): one collection per cube, cosine HNSW, telemetry off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings

from bench.peers.systems.base import Found, Rows, Simple, safe_name, timed


class Chroma(Simple):
    def __init__(self, work: Path) -> None:
        self.client = chromadb.PersistentClient(path=str(work / "chroma"),
                                                settings=Settings(anonymized_telemetry=False))
        self.collections: dict[str, Any] = {}
        self.max_batch = self.client.get_max_batch_size()

    def _collection(self, cube: str) -> Any:
        if cube not in self.collections:
            self.collections[cube] = self.client.get_or_create_collection(
                safe_name(cube), metadata={"hnsw:space": "cosine"})
        return self.collections[cube]

    def add(self, cube: str, rows: Rows) -> None:
        col = self._collection(cube)
        docs = rows.labelled()
        for lo in range(0, len(rows.ids), self.max_batch):
            hi = lo + self.max_batch
            col.add(ids=rows.ids[lo:hi], embeddings=rows.vectors[lo:hi], documents=docs[lo:hi],
                    metadatas=[{"speaker": s, "session": t} for s, t in zip(rows.speakers[lo:hi], rows.sessions[lo:hi],
                                                                          strict=True)])

    def search(self, cube: str, vector: np.ndarray, text: str, k: int) -> Found:
        col = self._collection(cube)
        res, ms = timed(lambda: col.query(query_embeddings=[vector], n_results=k))
        return Found([[i] for i in res["ids"][0]], ms)


def create(name: str, work: Path, options: dict[str, Any]) -> Chroma:
    return Chroma(work)
