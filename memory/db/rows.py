"""Row -> Memory conversion: plain Core rows for the hot paths, ORM rows elsewhere."""

from __future__ import annotations

from typing import Any

from memory.clock import as_utc
from memory.db.models import MemoryRow
from memory.json_limits import readable_json
from memory.types import ContentType, Emotion, Kind, Memory, Scope, Tier

# every column but the vector, as Core columns named like MemoryRow's attributes: plain rows skip the
# ORM's loading machinery (~40 µs a row), which dominated a search's own time
MEMORY_COLUMNS = tuple(MemoryRow.__table__.c[a.columns[0].name].label(a.key)
                       for a in MemoryRow.__mapper__.column_attrs if a.key != "embedding")


def row_to_memory(row: MemoryRow | Any) -> Memory:
    """A Memory from an ORM row or a plain row of MEMORY_COLUMNS."""
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
