"""What a save writes: the pending item as it is analysed, the rows made from it (memory, history),
and the rules they follow (expiry per tier, reinforcement of a near-duplicate)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from memory.store.base import HistoryEntry, MemoryRecord
from memory.types import Emotion, Kind, MemoryInput, Tier

REINFORCE_STEP = 0.1


@dataclass(slots=True)
class Pending:
    """One item of a batch on its way to the database."""

    index: int
    item: MemoryInput
    kind: Kind
    text: str
    vector: np.ndarray | None = None
    emotions: list[Emotion] | None = None
    summary: str = ""
    embed_text: str = ""  # what the vector is made of (memory.turn_text)
    lexical_text: str = ""  # what the lexical index holds
    lexical_doc: str = ""  # lexical_text as stored terms (memory.text.tokenize.index_document)
    words_key: int | None = None  # a turn's words hashed (memory.turn_text.words_key); None for content


class RowMaker:
    def __init__(self, short_term_ttl_seconds: int, default_importance: float, model_id: str, dim: int) -> None:
        self.short_term_ttl_seconds = short_term_ttl_seconds
        self.default_importance = default_importance
        self.model_id = model_id
        self.dim = dim

    def expiry_for(self, tier: Tier, ttl_seconds: int | None, now: datetime) -> datetime | None:
        if ttl_seconds is not None:
            return now + timedelta(seconds=ttl_seconds)
        if tier is Tier.SHORT_TERM:
            return now + timedelta(seconds=self.short_term_ttl_seconds)
        return None

    def memory(self, p: Pending, memory_id: str, now: datetime) -> MemoryRecord:
        """The record of a new memory (the store gives it its label and stores the vector)."""
        item, sc = p.item, p.item.scope
        tier = Tier(item.tier)
        created = item.created_at or now
        assert p.vector is not None
        return MemoryRecord(
            id=memory_id, label=0, tenant=sc.tenant, cube=sc.cube,
            user_id=sc.user_id, session_id=sc.session_id, kind=p.kind.value, content=p.text,
            user_message=item.user_message, ai_message=item.ai_message,
            content_type=str(getattr(item.content_type, "value", item.content_type)),
            tier=tier.value, tags=list(item.tags), meta=dict(item.metadata),
            importance=item.importance if item.importance is not None else self.default_importance,
            emotions=[[e.label, e.score] for e in (p.emotions or [])], summary=p.summary,
            created_at=created, updated_at=now, expires_at=self.expiry_for(tier, item.ttl_seconds, created),
            last_accessed_at=None, access_count=0, reinforce_count=0,
            embedding_model=self.model_id, embedding_dim=self.dim,
            words_key=p.words_key)

    def analysed(self, row: MemoryRecord, p: Pending) -> None:
        """A new record's text analysis, once it is done (memory.writes runs it beside the insert)."""
        row.emotions = [[e.label, e.score] for e in (p.emotions or [])]
        row.summary = p.summary

    def reinforce(self, row: MemoryRecord, p: Pending, now: datetime) -> HistoryEntry:
        """A near-duplicate saved again: the stored memory grows more important instead of being copied."""
        row.reinforce_count = (row.reinforce_count or 0) + 1
        row.importance = min(1.0, row.importance + (1.0 - row.importance) * REINFORCE_STEP)
        row.updated_at = now
        if row.expires_at is not None:
            row.expires_at = self.expiry_for(Tier(row.tier), p.item.ttl_seconds, now)
        return history(row, "reinforce", p.item.actor, now,
                       {"reinforce_count": row.reinforce_count, "importance": round(row.importance, 4)})


def new_ids(n: int) -> Iterator[str]:
    """n random ids as uuid.uuid4() makes them, from one read of the OS's randomness: that read lets go
    of the GIL, and one per id made each new row wait for the text analysis thread to hand it back
    (~10% of a 256-turn save's time at 30k turns)."""
    raw = os.urandom(16 * n)
    return (str(uuid.UUID(bytes=raw[i:i + 16], version=4)) for i in range(0, 16 * n, 16))


def history(row: MemoryRecord, action: str, actor: str | None, at: datetime, changes: dict[str, Any]
            ) -> HistoryEntry:
    return HistoryEntry(memory_id=row.id, tenant=row.tenant, cube=row.cube, user_id=row.user_id, action=action,
                      actor=actor, at=at, changes=changes)


def history_note(tenant: str, action: str, actor: str | None, at: datetime, deleted: int) -> HistoryEntry:
    """The history line of a whole-user or whole-tenant erasure (memory "*": it names no one memory)."""
    return HistoryEntry(memory_id="*", tenant=tenant, cube="*", user_id=None, action=action, actor=actor, at=at,
                        changes={"deleted": deleted})
