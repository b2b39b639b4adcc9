"""Row <-> Memory conversion and the SQL form of MemoryFilter."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Sequence

from sqlalchemy import ColumnElement, Select, TextClause, and_, literal_column, or_, text

from memory.db.models import MemoryRow
from memory.types import ContentType, Emotion, Kind, Memory, MemoryFilter, Scope, Tier


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything we store is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


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
        metadata=dict(row.meta or {}),
        importance=float(row.importance),
        emotions=[Emotion(label=e[0], score=float(e[1])) for e in (row.emotions or [])],
        summary=row.summary or "",
        created_at=as_utc(row.created_at),  # type: ignore[arg-type]
        updated_at=as_utc(row.updated_at),  # type: ignore[arg-type]
        expires_at=as_utc(row.expires_at),
        last_accessed_at=as_utc(row.last_accessed_at),
        access_count=row.access_count or 0,
        reinforce_count=row.reinforce_count or 0,
    )


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


def by_labels(stmt: Select[Any], labels: Sequence[int], f: MemoryFilter, now: datetime | None) -> Select[Any]:
    """Rows of a few HNSW/FTS candidates that pass a filter.

    Without statistics SQLite's planner prefers the (tenant, cube) index for `label IN (...) AND
    tenant = ? AND cube = ?` and scans the whole cube (50 ms at 100k). Writing the scope columns as
    `+column` (SQLite's way to say "no index here") keeps it on the label index: 120 lookups.
    """
    return stmt.where(MemoryRow.label.in_(list(labels)), *filter_clauses(f, now=now, scope_indexed=False))


def not_expired(now: datetime) -> ColumnElement[bool]:
    """Expired memories are never returned, even before the TTL sweep deletes them."""
    return or_(MemoryRow.expires_at.is_(None), MemoryRow.expires_at > now)


def _unindexed_eq(column: str, value: str) -> TextClause:
    name = f"u_{column}"
    return text(f"+memories.{column} = :{name}").bindparams(**{name: value})


def filter_clauses(f: MemoryFilter, *, now: datetime | None = None,
                   scope_indexed: bool = True) -> list[ColumnElement[bool] | TextClause]:
    """WHERE clauses for a (validated) filter; `now` adds the not-expired rule."""
    c: list[ColumnElement[bool] | TextClause] = []
    for column in ("tenant", "cube", "user_id", "session_id"):
        value = getattr(f, column)
        if value is not None:
            c.append(getattr(MemoryRow, column) == value if scope_indexed else _unindexed_eq(column, value))
    if f.kind is not None:
        c.append(MemoryRow.kind == Kind(f.kind).value)
    if f.tiers:
        c.append(MemoryRow.tier.in_([Tier(t).value for t in f.tiers]))
    if f.content_type is not None:
        c.append(MemoryRow.content_type == ContentType(f.content_type).value)
    if f.created_after is not None:
        c.append(MemoryRow.created_at >= f.created_after)
    if f.created_before is not None:
        c.append(MemoryRow.created_at <= f.created_before)
    if f.min_importance is not None:
        c.append(MemoryRow.importance >= f.min_importance)
    if f.ids is not None:
        c.append(MemoryRow.id.in_(list(f.ids)))
    for i, tag in enumerate(f.tags or ()):
        c.append(text(f"EXISTS (SELECT 1 FROM json_each(memories.tags) AS j WHERE j.value = :tag{i})")
                 .bindparams(**{f"tag{i}": tag}))
    if f.emotions:
        names = ", ".join(f":emo{i}" for i in range(len(f.emotions)))
        c.append(text("EXISTS (SELECT 1 FROM json_each(memories.emotions) AS j "
                      f"WHERE json_extract(j.value, '$[0]') IN ({names}))")
                 .bindparams(**{f"emo{i}": v for i, v in enumerate(f.emotions)}))
    if now is not None:
        c.append(not_expired(now))
    return c


def where(f: MemoryFilter, *, now: datetime | None = None) -> ColumnElement[bool]:
    clauses = filter_clauses(f, now=now)
    return and_(*clauses) if clauses else literal_column("1") == 1
