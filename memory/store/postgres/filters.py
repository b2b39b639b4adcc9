"""MemoryFilter as PostgreSQL WHERE clauses: the one place the PostgreSQL store turns a filter into SQL.

Same meaning as the SQLite store's (memory.db.filters): scope columns by equality, tiers as a set,
tags AND-ed (every tag must be in the memory's tag list), emotions OR-ed (any stored emotion label is
one of them), created_after/created_before inclusive, expired memories left out when `now` is given.
The JSON columns are `json` in PostgreSQL, so they are cast to jsonb for its containment and array
functions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, String, bindparam, cast, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from memory.store.postgres.tables import memories
from memory.types import ContentType, Kind, MemoryFilter, Tier

_SCOPE = ("tenant", "cube", "user_id", "session_id")


def not_expired(now: datetime) -> ColumnElement[bool]:
    """Expired memories are never returned, even before the TTL sweep deletes them."""
    return or_(memories.c.expires_at.is_(None), memories.c.expires_at > now)


def _any_emotion(names: list[str]) -> ColumnElement[bool]:
    element = func.jsonb_array_elements(cast(memories.c.emotions, JSONB)).table_valued("value").alias("e")
    wanted = bindparam(None, names, type_=ARRAY(String))
    return exists(select(literal(1)).select_from(element)
                  .where(element.c.value.op("->>")(0) == func.any(wanted)))


def filter_clauses(f: MemoryFilter, *, now: datetime | None = None) -> list[ColumnElement[bool]]:
    """WHERE clauses for a (validated) filter; `now` adds the not-expired rule."""
    c = memories.c
    out: list[ColumnElement[bool]] = []
    for name in _SCOPE:
        value = getattr(f, name)
        if value is not None:
            out.append(c[name] == value)
    if f.kind is not None:
        out.append(c.kind == Kind(f.kind).value)
    if f.tiers:
        out.append(c.tier.in_([Tier(t).value for t in f.tiers]))
    if f.content_type is not None:
        out.append(c.content_type == ContentType(f.content_type).value)
    if f.created_after is not None:
        out.append(c.created_at >= f.created_after)
    if f.created_before is not None:
        out.append(c.created_at <= f.created_before)
    if f.min_importance is not None:
        out.append(c.importance >= f.min_importance)
    if f.ids is not None:
        out.append(c.id.in_([str(i) for i in f.ids]))
    if f.tags:
        out.append(cast(c.tags, JSONB).contains(list(f.tags)))
    if f.emotions:
        out.append(_any_emotion(list(f.emotions)))
    if now is not None:
        out.append(not_expired(now))
    return out
