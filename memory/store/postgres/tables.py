"""The engine's tables as PostgreSQL stores them: `memories.embedding` is a pgvector `vector` column
(no fixed dimension; each dimension gets its own partial HNSW index, memory.store.postgres.vectors), and
the lexical terms live in `memory_lexical` (a tsvector per label, GIN-indexed, with its memory's scope),
and what recall bookkeeping writes in `memory_access`. Labels come from the `memory_label_seq` sequence,
so any number of processes can write at once.

The other columns are exactly memory.db.models' (copied, not redefined), so both stores read and
write the same shapes; only the vector column's type differs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from pgvector import Vector
from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Dialect
from sqlalchemy.types import UserDefinedType

from memory.db.models import CubeRow, HistoryRow, MemoryRow, MetaRow

LABEL_SEQUENCE = "memory_label_seq"


class Float32Vector(UserDefinedType[np.ndarray]):
    """A pgvector `vector` column (of `dim` dimensions, or any): float32 numpy arrays (or float32 bytes,
    as rows carry them) in, float32 numpy arrays out, sent in pgvector's binary format (the codec
    memory.store.postgres.connect registers on each connection) rather than parsed from text."""

    cache_ok = True

    def __init__(self, dim: int | None = None) -> None:
        self.dim = dim

    def get_col_spec(self, **kw: Any) -> str:
        return "VECTOR" if self.dim is None else f"VECTOR({int(self.dim)})"

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any]:
        def process(value: Any) -> Any:
            if value is None or isinstance(value, Vector):
                return value
            if isinstance(value, bytes | bytearray | memoryview):
                return Vector(np.frombuffer(value, dtype=np.float32))
            # a Vector, not an array: inside an ARRAY parameter asyncpg would read an array as a sub-array
            return Vector(np.asarray(value, dtype=np.float32))
        return process

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        def process(value: Any) -> np.ndarray | None:
            if value is None:
                return None
            if isinstance(value, Vector):
                return value.to_numpy().astype(np.float32, copy=False)
            return np.asarray(value, dtype=np.float32)
        return process

    class comparator_factory(UserDefinedType.Comparator[np.ndarray]):
        def cosine_distance(self, other: Any) -> ColumnElement[float]:
            distance: Any = self.op("<=>", return_type=Float)(other)
            return distance  # type: ignore[no-any-return]


metadata = MetaData()


def _copy(source: Table, **types: Any) -> Table:
    """The same table (names, types, keys) with some column types replaced."""
    columns = [Column(c.name, types.get(c.name, c.type), primary_key=c.primary_key, nullable=c.nullable,
                      autoincrement=c.autoincrement)
               for c in source.columns]
    return Table(source.name, metadata, *columns)


memories = _copy(MemoryRow.__table__, embedding=Float32Vector())
history = _copy(HistoryRow.__table__)
cubes = _copy(CubeRow.__table__)
engine_meta = _copy(MetaRow.__table__)
# each lexical row carries its memory's scope (migration 0007_lexical_scope), so one user's documents
# come from one index range
lexical = Table("memory_lexical", metadata, Column("label", BigInteger, primary_key=True),
                Column("terms", TSVECTOR, nullable=False), Column("tenant", String(128), nullable=False),
                Column("cube", String(128), nullable=False), Column("user_id", String(128)),
                Index("ix_memory_lexical_scope", "tenant", "cube", "user_id"))

# Recall bookkeeping (migration 0008_memory_access): every search hit's last access and count, written
# half a second later (memory.access) here rather than into the memory's own row. A memory's row is ~2 KB
# (its vector inline), so a full page has no room for a new version of it: each update wrote the row
# anew and an entry in every index of `memories`, the HNSW graph's included (1.3-2.6 ms of server time a
# hit at 250k: more than the search that recalled it). A row here is a few dozen bytes, and its one index
# (the id) never changes, so PostgreSQL updates it in place (HOT). Until a memory's first recall here its
# own columns hold what it was copied or upgraded with; reads take this table's values first.
access = Table("memory_access", metadata, Column("memory_id", String(36), primary_key=True),
               Column("last_accessed_at", DateTime(timezone=True), nullable=False),
               Column("access_count", Integer, nullable=False))


def _recall(name: str) -> ColumnElement[Any]:
    """A memory's `last_accessed_at` or `access_count`: its memory_access row's, else its own column's."""
    kept = select(access.c[name]).where(access.c.memory_id == memories.c.id).scalar_subquery()
    return func.coalesce(kept, memories.c[name])


RECALLED_AT = _recall("last_accessed_at")
_RECALL_COLUMNS = {"last_accessed_at": RECALLED_AT, "access_count": _recall("access_count")}
# attribute name -> column name (only `meta` differs: the column is `metadata`)
COLUMN_OF = {a.key: a.columns[0].name for a in MemoryRow.__mapper__.column_attrs}


def read_column(attribute: str) -> ColumnElement[Any]:
    """What a read selects for a MemoryRow attribute, labelled with its name (recall bookkeeping from
    memory_access first)."""
    return _RECALL_COLUMNS.get(attribute, memories.c[COLUMN_OF[attribute]]).label(attribute)


# every memories column but the vector, named like MemoryRow's attributes (metadata -> meta)
ROW_COLUMNS = tuple(read_column(a.key) for a in MemoryRow.__mapper__.column_attrs if a.key != "embedding")
