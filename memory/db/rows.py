"""Row -> Memory conversion: any stored row or record of memory.store.base."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from operator import itemgetter
from typing import Any, TypeVar

from memory.clock import as_utc
from memory.json_limits import readable_json
from memory.types import ContentType, Emotion, Kind, Memory, Scope, Tier

E = TypeVar("E", bound=Enum)
Convert = Callable[[Any], Any] | None


def row_to_memory(row: Any) -> Memory:
    """A Memory from a StoredRow, a MemoryRecord or an ORM MemoryRow (same attribute names); a row that
    converts itself (SQLite's fast reads: `to_memory`, memory.db.fastread) does."""
    to_memory = getattr(row, "to_memory", None)
    if to_memory is not None:
        return to_memory()  # type: ignore[no-any-return]
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


def _members(cls: type[E]) -> Callable[[Any], E]:
    """`cls(value)` with the stored values looked up first (an Enum call costs ~1 µs, a dict lookup 0.05)."""
    known = {m.value: m for m in cls}

    def member(value: Any) -> E:
        found = known.get(value)
        return found if found is not None else cls(value)
    return member


def raw_row_to_memory(positions: Mapping[str, int], converts: Sequence[Convert]) -> Callable[[tuple[Any, ...]], Memory]:
    """`row_to_memory` for a raw row tuple (column `name` at `positions[name]`, converted by
    `converts[position]` when not None, e.g. SQLAlchemy's result processors): what a search returns is
    built straight from the values read, without an attribute lookup per column. The same Memory as
    `row_to_memory` of the same row read as a record (tests/test_search_parity.py compares them)."""
    kind, content_type, tier = _members(Kind), _members(ContentType), _members(Tier)
    p = {name: positions[name] for name in (
        "id", "tenant", "cube", "user_id", "session_id", "kind", "content", "user_message", "ai_message",
        "content_type", "tier", "tags", "meta", "importance", "emotions", "summary", "created_at", "updated_at",
        "expires_at", "last_accessed_at", "access_count", "reinforce_count")}

    def column(name: str) -> Callable[[tuple[Any, ...]], Any]:
        at, convert = p[name], converts[p[name]]
        if convert is None:
            return itemgetter(at)
        if name in ("tags", "meta", "emotions"):  # JSON: most rows hold an empty list or object
            empty: dict[str, Callable[[], Any]] = {"[]": list, "{}": dict}

            def json_value(raw: tuple[Any, ...]) -> Any:
                value = raw[at]
                if value is None:
                    return None
                make = empty.get(value)
                return make() if make is not None else convert(value)
            return json_value

        def converted(raw: tuple[Any, ...]) -> Any:
            value = raw[at]
            return None if value is None else convert(value)
        return converted

    (id_, tenant, cube, user_id, session_id, kind_value, content, user_message, ai_message, ct_value, tier_value,
     tags, meta, importance, emotions, summary, created, updated, expires, accessed, access_count,
     reinforce_count) = (column(name) for name in p)

    def to_memory(raw: tuple[Any, ...]) -> Memory:
        memory_id, meta_value = id_(raw), meta(raw)
        return Memory(
            id=memory_id,
            scope=Scope(tenant=tenant(raw), cube=cube(raw), user_id=user_id(raw), session_id=session_id(raw)),
            kind=kind(kind_value(raw)),
            content=content(raw),
            user_message=user_message(raw),
            ai_message=ai_message(raw),
            content_type=content_type(ct_value(raw)),
            tier=tier(tier_value(raw)),
            tags=list(tags(raw) or []),
            metadata=dict(readable_json(meta_value, f"metadata of memory {memory_id}")) if meta_value else {},
            importance=float(importance(raw)),
            emotions=[Emotion(label=e[0], score=float(e[1])) for e in (emotions(raw) or [])],
            summary=summary(raw) or "",
            created_at=as_utc(created(raw)),
            updated_at=as_utc(updated(raw)),
            expires_at=as_utc(expires(raw)),
            last_accessed_at=as_utc(accessed(raw)),
            access_count=access_count(raw) or 0,
            reinforce_count=reinforce_count(raw) or 0,
        )
    return to_memory
