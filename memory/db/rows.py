"""Row -> Memory conversion: any stored row or record of memory.store.base."""

from __future__ import annotations

from typing import Any

from memory.clock import as_utc
from memory.json_limits import readable_json
from memory.types import ContentType, Emotion, Kind, Memory, Scope, Tier


def row_to_memory(row: Any) -> Memory:
    """A Memory from a StoredRow, a MemoryRecord or an ORM MemoryRow (same attribute names)."""
    return Memory(
        id=row.id,
        scope=Scope(tenant=row.tenant, cube=row.cube, user_id=row.user_id, session_id=row.session_id),
        kind=Kind(row.kind),
        content=row.content,
        user_message=row.user_message,
        ai_message=row.ai_message,
        content_type=ContentType(row.content_type),
        tier=Tier(row.tier),
        tags=list(row.tags or []),
        metadata=dict(readable_json(row.meta or {}, f"metadata of memory {row.id}")),
        importance=float(row.importance),
        emotions=[Emotion(label=e[0], score=float(e[1])) for e in (row.emotions or [])],
        summary=row.summary or "",
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        expires_at=as_utc(row.expires_at),
        last_accessed_at=as_utc(row.last_accessed_at),
        access_count=row.access_count or 0,
        reinforce_count=row.reinforce_count or 0,
    )
