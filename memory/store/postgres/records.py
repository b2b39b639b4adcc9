"""Rows <-> the interface's plain values (MemoryRecord, HistoryEntry), for PostgreSQL's Core tables."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy import Row

from memory.store.base import HistoryEntry, MemoryRecord
from memory.store.postgres.tables import COLUMN_OF, ROW_COLUMNS, history, memories, read_column

RECORD_FIELDS = tuple(f.name for f in fields(MemoryRecord) if f.name != "embedding")
HISTORY_FIELDS = tuple(f.name for f in fields(HistoryEntry))
RECORD_COLUMNS = tuple(read_column(name) for name in RECORD_FIELDS)
VECTOR_COLUMN = memories.c.embedding.label("embedding")
HISTORY_COLUMNS = tuple(history.c[name] for name in HISTORY_FIELDS)
assert {c.name for c in ROW_COLUMNS} <= set(RECORD_FIELDS)


def record_values(record: MemoryRecord) -> dict[str, Any]:
    """Column values of a record, keyed by column name (the vector is added by the caller)."""
    return {COLUMN_OF[name]: getattr(record, name) for name in RECORD_FIELDS}


def to_record(row: Row[Any]) -> MemoryRecord:
    """A MemoryRecord from a row of RECORD_COLUMNS (plus VECTOR_COLUMN when read)."""
    values = row._mapping
    vector = values.get("embedding")
    return MemoryRecord(**{name: values[name] for name in RECORD_FIELDS},
                        embedding=None if vector is None else vector.astype("float32").tobytes())


def to_history(row: Row[Any]) -> HistoryEntry:
    values = row._mapping
    return HistoryEntry(**{name: values[name] for name in HISTORY_FIELDS})


def history_values(entry: HistoryEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in HISTORY_FIELDS}
