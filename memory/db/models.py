"""SQLAlchemy models: the database is the source of truth, vectors included."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import numpy as np
from pgvector.sqlalchemy import VECTOR
from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Float, Index, Integer, LargeBinary, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, list[Any]: JSON}
    # every model here maps one declared Table (SQLAlchemy types it as any FromClause, e.g. a join)
    __table__: ClassVar[Table]


class Embedding(TypeDecorator[bytes]):
    """A vector as float32 bytes in Python on every dialect, so the engine reads and writes one shape:
    a BLOB on SQLite, a pgvector `vector` without a fixed dimension on PostgreSQL (one database can hold
    several models' vectors while re-embedding; the store builds a per-dimension HNSW index itself)."""

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(VECTOR() if dialect.name == "postgresql" else LargeBinary())

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "postgresql":
            return value
        return np.frombuffer(value, dtype=np.float32)

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        if value is None or dialect.name != "postgresql":
            return value  # type: ignore[no-any-return]  # the BLOB's bytes
        return np.asarray(value, dtype=np.float32).tobytes()


class MemoryRow(Base):
    """One memory. `label` is its integer id in the cube's HNSW index, never reused."""

    __tablename__ = "memories"
    __table_args__ = (
        Index("ix_memories_scope", "tenant", "cube", "user_id", "created_at"),
        Index("ix_memories_cube_created", "tenant", "cube", "created_at"),
        Index("ix_memories_user", "user_id"),
        Index("ix_memories_expires", "expires_at"),
        Index("ix_memories_session", "session_id"),
        Index("ix_memories_label", "label", unique=True),
        # covers "labels of a cube / a user's memories, unexpired" (exact search, dedup) without
        # reading the rows, whose vectors make them ~2 KB each: 782 labels 3.7 -> 0.2 ms
        Index("ix_memories_scope_labels", "tenant", "cube", "user_id", "kind", "expires_at", "label"),
        # "which of these turns' words does the cube already hold" (memory.dedup), from the index alone
        Index("ix_memories_words", "tenant", "cube", "words_key", "user_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # 64-bit in both: SQLite's INTEGER is; PostgreSQL's labels come from a BIGINT sequence (migration 0002)
    label: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    tenant: Mapped[str] = mapped_column(String(128))
    cube: Mapped[str] = mapped_column(String(256))
    user_id: Mapped[str | None] = mapped_column(String(128))
    session_id: Mapped[str | None] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    user_message: Mapped[str | None] = mapped_column(Text)
    ai_message: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(16))
    tier: Mapped[str] = mapped_column(String(16))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    importance: Mapped[float] = mapped_column(Float)
    emotions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_accessed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    access_count: Mapped[int] = mapped_column(Integer, default=0)
    reinforce_count: Mapped[int] = mapped_column(Integer, default=0)
    embedding: Mapped[bytes] = mapped_column(Embedding, deferred=True)  # read only when needed
    embedding_model: Mapped[str] = mapped_column(String(256))
    embedding_dim: Mapped[int] = mapped_column(Integer)
    # a turn's words hashed (memory.turn_text.words_key; NULL for stored content): migration 0006
    words_key: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))


class HistoryRow(Base):
    """Every add/update/delete/merge/reinforce: who, when, what changed. Kept after deletion."""

    __tablename__ = "memory_history"
    __table_args__ = (Index("ix_history_memory", "memory_id", "at"),)

    # 64-bit in both: SQLite's INTEGER PRIMARY KEY is (and only it is the autoincrementing rowid);
    # PostgreSQL's is BIGINT from migration 0005_history_bigint (rows are kept, so ids outrun labels)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                    autoincrement=True)
    memory_id: Mapped[str] = mapped_column(String(36))
    tenant: Mapped[str] = mapped_column(String(128))
    cube: Mapped[str] = mapped_column(String(256))
    user_id: Mapped[str | None] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(256))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CubeRow(Base):
    """Per-cube bookkeeping: `generation` bumps on every vector change, so a stale index is detected."""

    __tablename__ = "cubes"

    tenant: Mapped[str] = mapped_column(String(128), primary_key=True)
    cube: Mapped[str] = mapped_column(String(256), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MetaRow(Base):
    """Engine-wide key/values: next HNSW label, schema version, embedding model of stored vectors."""

    __tablename__ = "engine_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# The lexical index: rowid = memories.label, terms = Japanese-aware tokens (memory.text.tokenize),
# scope = hashed tenant/cube/user tokens (memory.index.lexical).
FTS_DDL = ("CREATE VIRTUAL TABLE IF NOT EXISTS memory_fts USING fts5(terms, scope, "
           "tokenize='unicode61 remove_diacritics 0')")
# document frequency per term, so long queries keep only their most selective terms
FTS_VOCAB_DDL = "CREATE VIRTUAL TABLE IF NOT EXISTS memory_fts_vocab USING fts5vocab(memory_fts, 'row')"

__all__ = ["Base", "Embedding", "MemoryRow", "HistoryRow", "CubeRow", "MetaRow", "FTS_DDL", "FTS_VOCAB_DDL"]
