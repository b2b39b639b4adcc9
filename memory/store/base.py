"""What the memory engine needs from storage: one interface, one implementation per database.

The engine (memory.engine and the collaborators it builds: writer, search, lifecycle jobs) speaks only
to a `MemoryStore`; `memory.store.factory.open_store` picks the implementation from the database URL
(SqliteStore, the embedded default; PostgresStore for `postgresql+asyncpg://`). In the spirit of
Red-DiscordBot's config drivers and Graphiti's graph drivers: plain values in and out (dataclasses,
numpy arrays, the public types of memory.types), never a database session or an ORM object, and the
time always passed in (`now`, from the engine's injected clock) so a store never reads a wall clock.

Labels: every memory has an integer `label`, unique in the store and never reused. It names the
memory in vector and lexical indexes and in search candidates. The store assigns it in `write` (and a
new one in `update` when the content, and so the vector, changes).

Writes are serialised by the caller: hold `writing()` around a decision and the writes it leads to
(e.g. a save's duplicate check and its `write`), and around every write method below; nothing else
in this process (SQLite: nothing at all) writes in between. Reads need no lock and see every
committed write.

Search candidates (memory.store.candidates) are found in the store, so each database can answer them
its own way (SQLite: HNSW files, an exact matrix and in-memory BM25 over FTS5; PostgreSQL: pgvector and
tsvector); ranking them (memory.hits) is the engine's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from memory.types import CubeStats, MemoryFilter

if TYPE_CHECKING:
    from memory.people import CubeUsers
    from memory.store.candidates import CandidateQuery, CandidateSet

CubeKey = tuple[str, str]  # (tenant, cube)


class StoredRow(Protocol):
    """A stored memory as reads return it (every column but the vector). A store may convert columns
    lazily (SQLite's hot path does); `memory.db.rows.row_to_memory` makes the public Memory of one."""

    @property
    def id(self) -> str: ...
    @property
    def label(self) -> int: ...
    @property
    def tenant(self) -> str: ...
    @property
    def cube(self) -> str: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def session_id(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def content(self) -> str: ...
    @property
    def user_message(self) -> str | None: ...
    @property
    def ai_message(self) -> str | None: ...
    @property
    def content_type(self) -> str: ...
    @property
    def tier(self) -> str: ...
    @property
    def tags(self) -> list[str]: ...
    @property
    def meta(self) -> dict[str, Any]: ...
    @property
    def importance(self) -> float: ...
    @property
    def emotions(self) -> list[Any]: ...
    @property
    def summary(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def expires_at(self) -> datetime | None: ...
    @property
    def last_accessed_at(self) -> datetime | None: ...
    @property
    def access_count(self) -> int: ...
    @property
    def reinforce_count(self) -> int: ...


@dataclass(slots=True)
class MemoryRecord:
    """One memory with every column: what a write stores and what full reads (`get`, `records`) return.
    `embedding` is the float32 vector as bytes; reads fill it only when asked (`with_vectors`)."""

    id: str
    label: int
    tenant: str
    cube: str
    user_id: str | None
    session_id: str | None
    kind: str
    content: str
    user_message: str | None
    ai_message: str | None
    content_type: str
    tier: str
    tags: list[str]
    meta: dict[str, Any]
    importance: float
    emotions: list[Any]  # [[label, score], ...]
    summary: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    last_accessed_at: datetime | None
    access_count: int
    reinforce_count: int
    embedding_model: str
    embedding_dim: int
    embedding: bytes | None = None
    words_key: int | None = None  # a turn's words hashed (memory.turn_text.words_key), for dedup


@dataclass(slots=True)
class HistoryEntry:
    """One line of a memory's history (add, update, delete, reinforce, forget_user...): kept after deletion."""

    memory_id: str
    tenant: str
    cube: str
    user_id: str | None
    action: str
    actor: str | None
    at: datetime
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class NewMemory:
    """A memory to add: its record (the store sets `label` and `embedding`), vector and lexical terms
    (memory.text.tokenize.index_document, space-joined)."""

    record: MemoryRecord
    vector: np.ndarray
    terms: str


@dataclass(slots=True)
class WriteBatch:
    """What one save writes, in ONE transaction: new memories, stored ones reinforced (importance,
    reinforce_count, updated_at and expires_at of the record are written), and history lines."""

    new: list[NewMemory] = field(default_factory=list)
    reinforced: list[MemoryRecord] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    now: datetime | None = None  # when (cube bookkeeping); required
    # awaited by the store once it has given the new records their labels, before it reads anything
    # else of them: it completes their text analysis (emotions, summary, terms), which may still be
    # running while the store puts their vectors into its index (memory.writes)
    ready: Callable[[], Awaitable[None]] | None = None


@dataclass(slots=True)
class MemoryChange:
    """An update of one stored memory: `record` carries the new column values (same id). With `vector`
    the content changed: the store gives the memory a new label, replaces its vector and lexical terms."""

    record: MemoryRecord
    history: HistoryEntry
    vector: np.ndarray | None = None
    terms: str | None = None


@dataclass(slots=True)
class ImportanceRow:
    """What importance decay reads of a memory."""

    id: str
    importance: float
    created_at: datetime
    updated_at: datetime
    last_accessed_at: datetime | None


@dataclass(slots=True)
class CubeIndexStats:
    tenant: str
    cube: str
    alive: int  # searchable vectors
    total: int  # entries, deleted ones included (a store without such entries reports alive)


@dataclass(slots=True)
class PoolStats:
    size: int
    checked_out: int
    overflow: int


@dataclass(slots=True)
class StoreStats:
    """For metrics (read without waiting: what the store holds in memory now)."""

    cubes: list[CubeIndexStats]
    pool: PoolStats | None


EmotionRows = list[tuple[date, str, int]]  # (UTC day, emotion, memories)


@runtime_checkable
class MemoryStore(Protocol):
    # -- lifecycle -------------------------------------------------------------------------------------
    async def prepare(self) -> dict[str, int]:
        """After opening: load or rebuild what lives beside the tables (SQLite: the HNSW files); returns
        what was done per cube ({"loaded": 3, "rebuilt": 1}); {} when nothing lives beside them."""
        ...

    async def close(self) -> None: ...

    async def persist(self) -> int:
        """Save what lives beside the tables and changed (index files); returns how many were saved."""
        ...

    async def rebuild_indexes(self) -> int:
        """Rebuild every cube's search structures from the stored vectors; returns how many cubes."""
        ...

    async def compact(self, deleted_share: float) -> list[str]:
        """Rebuild the indexes of cubes whose deleted entries reach `deleted_share` (reads and writes go
        on meanwhile); returns "tenant/cube" of each rebuilt."""
        ...

    def writing(self, *cubes: CubeKey) -> AbstractAsyncContextManager[None]:
        """Held around every write (and the reads a write decides on): see the module's docstring. A save
        names its cubes: a store that other processes write too also holds those cubes against them."""
        ...

    # -- engine bookkeeping ----------------------------------------------------------------------------
    async def get_meta(self, key: str) -> str | None: ...
    async def set_meta(self, key: str, value: str) -> None: ...
    async def has_memories(self) -> bool: ...
    async def cubes(self) -> list[CubeKey]:
        """Every cube that holds or held memories."""
        ...

    def generation(self, tenant: str, cube: str) -> int:
        """The cube's change counter (bumped with every vector change; 0 for a cube never written)."""
        ...

    def stats_now(self) -> StoreStats: ...

    # -- writes (hold `writing()`) ---------------------------------------------------------------------
    async def write(self, batch: WriteBatch) -> None: ...
    async def update(self, change: MemoryChange) -> None: ...
    async def delete(self, f: MemoryFilter, *, now: datetime | None, actor: str | None, at: datetime
                     ) -> list[str]:
        """Delete what the filter selects (unexpired ones only when `now` is given), one history line each;
        returns the ids."""
        ...

    async def erase_history(self, *, tenant: str | None, user_id: str | None, note: HistoryEntry) -> None:
        """Delete the history of a user (in a tenant, or everywhere) or of a whole tenant, then add `note`."""
        ...

    async def record_access(self, seen: dict[str, tuple[datetime, int]]) -> None:
        """Per memory id: last recalled at, and how many more recalls to count."""
        ...

    async def set_vectors(self, vectors: Sequence[tuple[str, np.ndarray]], model_id: str, dim: int) -> None:
        """Replace stored vectors (re-embedding with another model; labels kept; indexes rebuilt after)."""
        ...

    async def apply_importance(self, decayed: Sequence[tuple[str, float]], boosted: Sequence[str], *,
                               floor: float, boost: float, meta: tuple[str, str]) -> None:
        """In one transaction: importance <- floor + (importance - floor) * factor for each (id, factor);
        importance <- min(1, importance + (1 - importance) * boost) for each boosted id; set_meta(*meta)."""
        ...

    # -- reads -----------------------------------------------------------------------------------------
    async def get(self, memory_id: str) -> MemoryRecord | None: ...
    async def records(self, *, after_label: int, limit: int, f: MemoryFilter | None = None,
                      now: datetime | None = None, with_vectors: bool = False) -> list[MemoryRecord]:
        """Records in label order after `after_label` (paging through everything: export, re-embed)."""
        ...

    async def rows(self, labels: Sequence[int], f: MemoryFilter, now: datetime) -> list[StoredRow]:
        """Rows of these labels that pass the filter and have not expired."""
        ...

    async def page(self, f: MemoryFilter, now: datetime, limit: int, offset: int, *, after: str | None = None,
                   before: str | None = None) -> tuple[list[StoredRow], int]:
        """Unexpired rows of the filter, newest first (created_at, then label), and how many in all. `after` /
        `before` (a memory id): the rows just older / newer than that memory (a seek, however deep, where
        OFFSET reads every row it skips); none when that memory is gone."""
        ...

    async def resolve_ids(self, f: MemoryFilter, id_prefix: str, now: datetime, limit: int) -> list[str]: ...
    async def expired_ids(self, now: datetime) -> list[str]: ...
    async def idle_working(self, cutoff: datetime) -> tuple[list[str], int]:
        """Working memories of sessions idle since `cutoff` (a session's activity: the latest save, change
        or recall of any of its memories; a working memory without a session judged alone), created at or
        before it; and how many idle sessions."""
        ...

    async def importance_rows(self, floor: float, recalled_since: datetime | None) -> list[ImportanceRow]:
        """Memories above the floor, or recalled since (ever, when None)."""
        ...

    async def previous_turns(self, tenant: str, cube: str, session_id: str, before: datetime, limit: int,
                             label: int | None = None) -> list[MemoryRecord]:
        """Up to `limit` turns of the session saved before `before` (with `label`: ties at `before` broken
        by smaller labels; without: at `before` included), newest first."""
        ...

    async def history(self, memory_id: str) -> list[HistoryEntry]: ...
    async def cube_stats(self, tenant: str, cube: str, now: datetime) -> CubeStats: ...
    async def emotion_rows(self, tenant: str, cube: str, now: datetime, user_id: str | None) -> EmotionRows:
        """Per UTC day and emotion, how many unexpired memories carried it."""
        ...

    async def memories_per_day(self, tenant: str, cube: str, user_id: str | None) -> list[tuple[date, int]]:
        """Per UTC day, how many of the cube's (or one user's) kept memories were made that day, oldest first."""
        ...

    async def cube_users(self, tenant: str, cube: str, now: datetime, *, limit: int, offset: int,
                         platform: str | None) -> CubeUsers:
        """The cube's users and livestream viewers, most recently seen first (memory.people)."""
        ...

    async def tenants(self, only: Sequence[str] | None) -> set[str]: ...
    async def first_actors(self, tenants: Sequence[str], prefixes: Sequence[str]) -> dict[str, tuple[datetime, str]]:
        """Per tenant, (when, actor) of its earliest history line by an actor with one of the prefixes."""
        ...

    # -- search candidates -----------------------------------------------------------------------------
    async def candidates(self, q: CandidateQuery) -> CandidateSet:
        """Dense and lexical top-n of the query within the filter, fused, with their rows."""
        ...

    async def nearest(self, f: MemoryFilter, queries: np.ndarray, k: int, now: datetime
                      ) -> list[list[tuple[int, float]]]:
        """Per query vector, its top-k (label, cosine) among unexpired memories of the filter (which names
        a tenant and a cube), best first: duplicate checks of a save."""
        ...

    async def turn_words(self, tenant: str, cube: str, keys: Sequence[int]) -> set[tuple[str | None, int]]:
        """(user_id, words_key) of the cube's stored turns, expired ones included, whose words_key is one
        of `keys` (memory.turn_text.words_key): the turns a save's duplicate check still has to look at."""
        ...

    async def lexical(self, f: MemoryFilter, text: str, n: int, now: datetime) -> list[int]:
        """Labels of the top-n lexical (BM25) matches of the text within the filter, best first."""
        ...

    async def warm(self, tenant: str, cube: str) -> None:
        """Make the cube's first search as fast as the next (build in-memory structures now)."""
        ...
