"""sqlite-vec: one vec0 table per cube (cosine, exact search) beside a table of the turns' rows.

The interpreter's own sqlite3 may be built without extension loading (pyenv's is), so pysqlite3-binary's
module is used when it is installed (the `peers` extra installs it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import sqlite_vec

from bench.peers.systems.base import Found, Rows, Simple, safe_name, timed

try:
    import pysqlite3 as sqlite3  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # an interpreter with extension loading
    import sqlite3


class SqliteVec(Simple):
    def __init__(self, work: Path, dim: int) -> None:
        self.db = sqlite3.connect(str(work / "vec.db"))
        self.db.enable_load_extension(True)
        sqlite_vec.load(self.db)
        self.db.enable_load_extension(False)
        self.dim = dim
        self.tables: set[str] = set()
        self.next_id = 1

    def _table(self, cube: str) -> str:
        name = safe_name(cube)
        if name not in self.tables:
            self.db.execute(f"CREATE VIRTUAL TABLE v_{name} USING vec0("
                            f"embedding float[{self.dim}] distance_metric=cosine)")
            self.db.execute(f"CREATE TABLE t_{name} (rowid INTEGER PRIMARY KEY, turn_id TEXT, speaker TEXT, "
                            "session TEXT, text TEXT)")
            self.tables.add(name)
        return name

    def add(self, cube: str, rows: Rows) -> None:
        name = self._table(cube)
        ids = list(range(self.next_id, self.next_id + len(rows.ids)))
        self.next_id += len(rows.ids)
        with self.db:
            self.db.executemany(f"INSERT INTO v_{name}(rowid, embedding) VALUES (?, ?)",
                                [(i, v.astype(np.float32).tobytes()) for i, v in zip(ids, rows.vectors, strict=True)])
            self.db.executemany(f"INSERT INTO t_{name} VALUES (?, ?, ?, ?, ?)",
                                list(zip(ids, rows.ids, rows.speakers, rows.sessions, rows.labelled(), strict=True)))

    def search(self, cube: str, vector: np.ndarray, text: str, k: int) -> Found:
        name = safe_name(cube)
        query = (f"SELECT t.turn_id FROM (SELECT rowid, distance FROM v_{name} WHERE embedding MATCH ? AND k = ?) v "
                 f"JOIN t_{name} t ON t.rowid = v.rowid ORDER BY v.distance")
        blob = vector.astype(np.float32).tobytes()
        rows, ms = timed(lambda: self.db.execute(query, (blob, k)).fetchall())
        return Found([[r[0]] for r in rows], ms)

    def close(self) -> None:
        self.db.close()


def create(name: str, work: Path, options: dict[str, Any]) -> SqliteVec:
    return SqliteVec(work, int(options["dim"]))
