"""The SQLite form of a MemoryFilter: one WHERE clause with named parameters (`:name`), which both the
plain sqlite3 connections (memory.db.fastread, fastwrite) and SQLAlchemy's `text()` accept.

Times are bound as SQLAlchemy's SQLite DateTime stores them (its own bind processor), so comparisons
read the stored format exactly. `json_each` answers tags and emotions (SQLite's JSON1).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.sqlite import pysqlite

from memory.db.models import MemoryRow
from memory.types import ContentType, Kind, MemoryFilter, Tier

_DIALECT = pysqlite.dialect()
_time = MemoryRow.__table__.c.created_at.type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
SCOPE_COLUMNS = ("tenant", "cube", "user_id", "session_id")


def bind_time(value: datetime) -> Any:
    """A datetime as the memories table stores it."""
    convert: Callable[[Any], Any] | None = _time
    return convert(value) if convert is not None else value


def compile_filter(f: MemoryFilter, *, now: datetime | None = None, indexed: bool = True,
                   prefix: str = "f_") -> tuple[str, dict[str, Any]]:
    """(WHERE condition, parameters) of a validated filter over `memories`; "" when it selects everything.
    `now` adds "not expired". `indexed=False` writes the scope columns as `+column` (SQLite's "no index
    here"): for reads by label, where the planner would otherwise scan a whole cube by its scope index
    (50 ms at 100k) instead of looking up a few labels."""
    plus = "" if indexed else "+"
    clauses: list[str] = []
    params: dict[str, Any] = {}

    def bind(value: Any) -> str:
        name = f"{prefix}{len(params)}"
        params[name] = value
        return f":{name}"

    for column in SCOPE_COLUMNS:
        value = getattr(f, column)
        if value is not None:
            clauses.append(f"{plus}memories.{column} = {bind(value)}")
    if f.kind is not None:
        clauses.append(f"{plus}memories.kind = {bind(Kind(f.kind).value)}")
    if f.tiers:
        clauses.append(f"memories.tier IN ({', '.join(bind(Tier(t).value) for t in f.tiers)})")
    if f.content_type is not None:
        clauses.append(f"memories.content_type = {bind(ContentType(f.content_type).value)}")
    if f.created_after is not None:
        clauses.append(f"memories.created_at >= {bind(bind_time(f.created_after))}")
    if f.created_before is not None:
        clauses.append(f"memories.created_at <= {bind(bind_time(f.created_before))}")
    if f.min_importance is not None:
        clauses.append(f"memories.importance >= {bind(float(f.min_importance))}")
    if f.ids is not None:
        clauses.append(f"memories.id IN ({', '.join(bind(str(i)) for i in f.ids)})" if f.ids else "0")
    for tag in f.tags or ():
        clauses.append(f"EXISTS (SELECT 1 FROM json_each(memories.tags) AS j WHERE j.value = {bind(tag)})")
    if f.emotions:
        names = ", ".join(bind(e) for e in f.emotions)
        clauses.append(f"EXISTS (SELECT 1 FROM json_each(memories.emotions) AS j "
                       f"WHERE json_extract(j.value, '$[0]') IN ({names}))")
    if now is not None:
        clauses.append(not_expired(bind(bind_time(now))))
    return " AND ".join(clauses), params


def not_expired(param: str) -> str:
    """Expired memories are never returned, even before the TTL sweep deletes them."""
    return f"(memories.expires_at IS NULL OR memories.expires_at > {param})"


def where(f: MemoryFilter, *, now: datetime | None = None, indexed: bool = True) -> tuple[str, dict[str, Any]]:
    """`compile_filter` as a WHERE that always has a condition ("1" when the filter selects everything)."""
    sql, params = compile_filter(f, now=now, indexed=indexed)
    return sql or "1", params
