"""mem0 (open-source `Memory`) on a local qdrant, `infer=False` (no LLM: each message is stored as it
is), one `add` per turn as a chat bot calls it, the cube as its user_id. Its embedder is replaced by one
that hands back the staged vector of the text being added or searched, so mem0 pays no model time here
(the model's time is added from the main venv's measurement)."""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from mem0 import Memory

from bench.peers.systems.base import Found, Rows, Simple, timed


class StagedEmbedder:
    """mem0's embedder interface (`embed(text, memory_action)`), returning the vector set just before."""

    def __init__(self) -> None:
        self.next: list[float] | None = None

    def embed(self, text: Any, memory_action: str | None = None) -> list[float]:
        if self.next is None:
            raise RuntimeError(f"mem0 asked for an embedding nobody staged ({memory_action}): {str(text)[:60]!r}")
        out, self.next = self.next, None
        return out


class Mem0(Simple):
    def __init__(self, work: Path, dim: int) -> None:
        os.environ.setdefault("OPENAI_API_KEY", "unused-no-llm-is-called")  # the default LLM client wants one
        self.memory = Memory.from_config({
            "vector_store": {"provider": "qdrant", "config": {"path": str(work / "qdrant"), "on_disk": True,
                                                              "collection_name": "bench", "embedding_model_dims": dim}},
            "embedder": {"provider": "openai", "config": {"embedding_dims": dim}},
            "history_db_path": str(work / "mem0-history.db"),
        })
        self.embedder = StagedEmbedder()
        self.memory.embedding_model = self.embedder

    def add(self, cube: str, rows: Rows) -> None:
        for turn_id, vec, text, speaker, session in zip(rows.ids, rows.vectors, rows.labelled(), rows.speakers,
                                                         rows.sessions, strict=True):
            self.embedder.next = vec.tolist()
            self.memory.add([{"role": "user", "content": text}], user_id=cube, infer=False,
                            metadata={"turn_id": turn_id, "speaker": speaker, "session": session})

    def fill(self, cube: str, rows: Rows) -> None:
        """Straight into mem0's vector store with the payload `add` writes (no history rows)."""
        now = datetime.now(UTC).isoformat()
        payloads = [{"data": t, "hash": hashlib.md5(t.encode()).hexdigest(), "created_at": now, "updated_at": now,
                     "text_lemmatized": t, "user_id": cube, "role": "user", "turn_id": i}
                    for i, t in zip(rows.ids, rows.labelled(), strict=True)]
        self.memory.vector_store.insert(vectors=rows.vectors.tolist(), payloads=payloads,
                                        ids=[str(uuid.uuid4()) for _ in rows.ids])

    def search(self, cube: str, vector: np.ndarray, text: str, k: int) -> Found:
        self.embedder.next = vector.tolist()
        res, ms = timed(lambda: self.memory.search(text, filters={"user_id": cube}, top_k=k))
        return Found([[r.get("metadata", {}).get("turn_id") or r.get("turn_id", "")] for r in res["results"]], ms)

    def close(self) -> None:
        client = getattr(self.memory.vector_store, "client", None)
        if client is not None:
            client.close()


def create(name: str, work: Path, options: dict[str, Any]) -> Mem0:
    return Mem0(work, int(options["dim"]))
