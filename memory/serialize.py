"""A Memory as a JSON-ready dict (export files, callers that serialise)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from memory.types import Memory


def memory_to_dict(memory: Memory) -> dict[str, Any]:
    """JSON-ready form used by export and by callers that serialise."""
    def iso(d: datetime | None) -> str | None:
        return d.isoformat() if d else None

    return {
        "id": memory.id,
        "tenant": memory.scope.tenant,
        "cube": memory.scope.cube,
        "user_id": memory.scope.user_id,
        "session_id": memory.scope.session_id,
        "kind": memory.kind.value,
        "content": memory.content,
        "user_message": memory.user_message,
        "ai_message": memory.ai_message,
        "content_type": memory.content_type.value,
        "tier": memory.tier.value,
        "tags": memory.tags,
        "metadata": memory.metadata,
        "importance": memory.importance,
        "emotions": [{"label": e.label, "score": e.score} for e in memory.emotions],
        "summary": memory.summary,
        "created_at": iso(memory.created_at),
        "updated_at": iso(memory.updated_at),
        "expires_at": iso(memory.expires_at),
        "last_accessed_at": iso(memory.last_accessed_at),
        "access_count": memory.access_count,
        "reinforce_count": memory.reinforce_count,
    }
