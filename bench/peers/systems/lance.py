"""LanceDB, embedded: one table per cube, cosine, exact (flat) search: no ANN index is built, as a
user with a few thousand rows per table would not build one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lancedb
import numpy as np
import pyarrow as pa

from bench.peers.systems.base import Found, Rows, Simple, safe_name, timed


class Lance(Simple):
    def __init__(self, work: Path) -> None:
        self.db = lancedb.connect(str(work / "lance"))
        self.tables: dict[str, Any] = {}

    def add(self, cube: str, rows: Rows) -> None:
        dim = rows.vectors.shape[1]
        vectors = pa.FixedSizeListArray.from_arrays(pa.array(rows.vectors.astype(np.float32).ravel()), dim)
        batch = pa.table({"turn_id": rows.ids, "speaker": rows.speakers, "session": rows.sessions,
                          "text": rows.labelled(), "vector": vectors})
        if cube in self.tables:
            self.tables[cube].add(batch)
        else:
            self.tables[cube] = self.db.create_table(safe_name(cube), data=batch)

    def search(self, cube: str, vector: np.ndarray, text: str, k: int) -> Found:
        table = self.tables[cube]
        rows, ms = timed(lambda: table.search(vector).distance_type("cosine").limit(k).select(["turn_id"]).to_list())
        return Found([[r["turn_id"]] for r in rows], ms)


def create(name: str, work: Path, options: dict[str, Any]) -> Lance:
    return Lance(work)
