"""MemoryFilter as PostgreSQL WHERE clauses: the one place the PostgreSQL store turns a filter into SQL.

Same meaning as the SQLite store's (memory.db.filters): scope columns by equality, tiers as a set,
tags AND-ed (every tag must be in the memory's tag list), emotions OR-ed (any stored emotion label is
one of them), created_after/created_before inclusive, expired memories left out when `now` is given.
The JSON columns are `json` in PostgreSQL, so they are cast to jsonb for its containment and array
functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Float, String, bindparam, cast, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from memory.store.postgres.tables import memories
from memory.types import ContentType, Kind, MemoryFilter, Tier

_SCOPE = ("tenant", "cube", "user_id", "session_id")
_TIME = memories.c.created_at.type


def _bind(name: str, value: Any, **kw: Any) -> BindParameter[Any]:
    """A named parameter carrying its value: a statement built once per filter shape (search.py caches
    them) runs again with another filter's values by passing filter_values() at execution."""
    return bindparam(name, value, **kw)


def not_expired(now: datetime) -> ColumnElement[bool]:
    """Expired memories are never returned, even before the TTL sweep deletes them."""
    return or_(memories.c.expires_at.is_(None), memories.c.expires_at > _bind("f_now", now, type_=_TIME))


def _any_emotion(names: list[str]) -> ColumnElement[bool]:
    element = func.jsonb_array_elements(cast(memories.c.emotions, JSONB)).table_valued("value").alias("e")
    wanted = _bind("f_emotions", names, type_=ARRAY(String))
    return exists(select(literal(1)).select_from(element)
                  .where(element.c.value.op("->>")(0) == func.any(wanted)))


def filter_values(f: MemoryFilter, *, now: datetime | None = None) -> dict[str, Any]:
    """The filter's values by parameter name; which names are present is the filter's shape (the
    statement filter_clauses builds for it), and the values run any statement of that shape."""
    out: dict[str, Any] = {}
    for name in _SCOPE:
        value = getattr(f, name)
        if value is not None:
            out[f"f_{name}"] = value
    if f.kind is not None:
        out["f_kind"] = Kind(f.kind).value
    if f.tiers:
        out["f_tiers"] = [Tier(t).value for t in f.tiers]
    if f.content_type is not None:
        out["f_content_type"] = ContentType(f.content_type).value
    if f.created_after is not None:
        out["f_after"] = f.created_after
    if f.created_before is not None:
        out["f_before"] = f.created_before
    if f.min_importance is not None:
        out["f_importance"] = f.min_importance
    if f.ids is not None:
        out["f_ids"] = [str(i) for i in f.ids]
    if f.tags:
        out["f_tags"] = list(f.tags)
    if f.emotions:
        out["f_emotions"] = list(f.emotions)
    if now is not None:
        out["f_now"] = now
    return out


def clauses_of(values: dict[str, Any]) -> list[ColumnElement[bool]]:
    """WHERE clauses for filter_values(), each value a named parameter."""
    c = memories.c
    out: list[ColumnElement[bool]] = []
    for name in _SCOPE:
        if f"f_{name}" in values:
            out.append(c[name] == _bind(f"f_{name}", values[f"f_{name}"], type_=String))
    if "f_kind" in values:
        out.append(c.kind == _bind("f_kind", values["f_kind"], type_=String))
    if "f_tiers" in values:
        out.append(c.tier.in_(_bind("f_tiers", values["f_tiers"], expanding=True, type_=String)))
    if "f_content_type" in values:
        out.append(c.content_type == _bind("f_content_type", values["f_content_type"], type_=String))
    if "f_after" in values:
        out.append(c.created_at >= _bind("f_after", values["f_after"], type_=_TIME))
    if "f_before" in values:
        out.append(c.created_at <= _bind("f_before", values["f_before"], type_=_TIME))
    if "f_importance" in values:
        out.append(c.importance >= _bind("f_importance", values["f_importance"], type_=Float))
    if "f_ids" in values:
        out.append(c.id.in_(_bind("f_ids", values["f_ids"], expanding=True, type_=String)))
    if "f_tags" in values:
        out.append(cast(c.tags, JSONB).contains(_bind("f_tags", values["f_tags"], type_=JSONB)))
    if "f_emotions" in values:
        out.append(_any_emotion(values["f_emotions"]))
    if "f_now" in values:
        out.append(not_expired(values["f_now"]))
    return out


def filter_clauses(f: MemoryFilter, *, now: datetime | None = None) -> list[ColumnElement[bool]]:
    """WHERE clauses for a (validated) filter; `now` adds the not-expired rule."""
    return clauses_of(filter_values(f, now=now))
