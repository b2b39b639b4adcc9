"""Public value types of the engine: what callers pass in and get back."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np


class Tier(enum.StrEnum):
    """short_term expires (TTL), working belongs to a session, long_term persists."""

    SHORT_TERM = "short_term"
    LONG_TERM = "long_term"
    WORKING = "working"


class ContentType(enum.StrEnum):
    TEXT = "text"
    IMAGE = "image"
    CODE = "code"
    JSON = "json"
    YAML = "yaml"


class Kind(enum.StrEnum):
    """A conversation turn pair (user_message + ai_message) or stored content."""

    TURN = "turn"
    CONTENT = "content"


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a memory lives: a tenant, a cube (a persona's store), optionally a user and a session."""

    tenant: str = "default"
    cube: str = "default"
    user_id: str | None = None
    session_id: str | None = None


@dataclass(frozen=True, slots=True)
class Emotion:
    """One emotion label (a key of memory.emotions.labels) with its strength 0..1."""

    label: str
    score: float


@dataclass(slots=True)
class MemoryInput:
    """Everything needed to save one memory; `save_batch` takes a list of these.

    For a turn pair give user_message (and ai_message); for stored content give content.
    Emotions and summary are computed when not given; the vector is computed unless given.
    """

    scope: Scope
    content: str | None = None
    user_message: str | None = None
    ai_message: str | None = None
    content_type: ContentType | str = ContentType.TEXT
    tier: Tier | str = Tier.LONG_TERM
    tags: Sequence[str] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    importance: float | None = None
    ttl_seconds: int | None = None
    emotions: Sequence[Emotion] | None = None
    summary: str | None = None
    created_at: datetime | None = None
    embedding: Sequence[float] | np.ndarray | None = None
    actor: str | None = None
    memory_id: str | None = None  # keep an id (imports); a new uuid otherwise


@dataclass(slots=True)
class Memory:
    """A stored memory as the engine returns it (no vector)."""

    id: str
    scope: Scope
    kind: Kind
    content: str
    user_message: str | None
    ai_message: str | None
    content_type: ContentType
    tier: Tier
    tags: list[str]
    metadata: dict[str, Any]
    importance: float
    emotions: list[Emotion]
    summary: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    last_accessed_at: datetime | None
    access_count: int
    reinforce_count: int

    @property
    def emotion_labels(self) -> list[str]:
        return [e.label for e in self.emotions]


@dataclass(slots=True)
class SaveResult:
    memory: Memory
    deduplicated: bool = False


@dataclass(slots=True)
class BatchFailure:
    index: int
    error: str
    error_type: str = "ValidationError"
    field: str | None = None


@dataclass(slots=True)
class BatchResult:
    saved: list[SaveResult]
    failed: list[BatchFailure]


@dataclass(slots=True)
class MemoryFilter:
    """Filters shared by list, search and delete; None means 'any'. Tags are AND-ed."""

    tenant: str | None = None
    cube: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    kind: Kind | str | None = None
    tiers: Sequence[Tier | str] | None = None
    tags: Sequence[str] | None = None
    content_type: ContentType | str | None = None
    emotions: Sequence[str] | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    min_importance: float | None = None
    ids: Sequence[str] | None = None


@dataclass(slots=True)
class Page:
    memories: list[Memory]
    total: int
    limit: int
    offset: int


@dataclass(slots=True)
class SearchHit:
    """A search result. `score` is the calibrated similarity 0..1 (see memory.search for its meaning)."""

    memory: Memory
    score: float
    cosine: float
    rank_score: float
    matched_lexically: bool


@dataclass(slots=True)
class CubeStats:
    tenant: str
    cube: str
    total: int
    by_tier: dict[str, int]
    by_kind: dict[str, int]
    users: int
    oldest: datetime | None
    newest: datetime | None
    top_emotions: list[tuple[str, int]]
