"""Input checks with messages that name the field to fix (the HTTP layer maps them to 422)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar, overload

import numpy as np

from memory.errors import ValidationError
from memory.json_limits import check_json
from memory.types import ContentType, Kind, MemoryFilter, MemoryInput, Tier

E = TypeVar("E", bound=enum.Enum)

MAX_CONTENT_CHARS = 100_000
MAX_TAGS = 64
MAX_TAG_CHARS = 128
MAX_TOP_K = 1000
MAX_LIMIT = 1000


def enum_value(cls: type[E], value: Any, field: str) -> E:
    try:
        return cls(value)
    except ValueError:
        valid = ", ".join(m.value for m in cls)
        raise ValidationError(f"{field} must be one of: {valid} (got {value!r})", field=field) from None


@overload
def text_field(value: Any, field: str, *, required: Literal[True]) -> str: ...
@overload
def text_field(value: Any, field: str, *, required: bool) -> str | None: ...
def text_field(value: Any, field: str, *, required: bool) -> str | None:
    if value is None:
        if required:
            raise ValidationError(f"{field} is required", field=field)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a string", field=field)
    if required and not value.strip():
        raise ValidationError(f"{field} cannot be empty", field=field)
    if len(value) > MAX_CONTENT_CHARS:
        raise ValidationError(f"{field} is longer than {MAX_CONTENT_CHARS} characters", field=field)
    return value


def unit_interval(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        raise ValidationError(f"{field} must be a number from 0.0 to 1.0 (got {value!r})", field=field)
    return float(value)


def tags_field(tags: Sequence[str] | None, field: str = "tags") -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str) or not all(isinstance(t, str) for t in tags):
        raise ValidationError(f"{field} must be a list of strings", field=field)
    cleaned = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    if len(cleaned) > MAX_TAGS or any(len(t) > MAX_TAG_CHARS for t in cleaned):
        raise ValidationError(f"{field}: at most {MAX_TAGS} tags of at most {MAX_TAG_CHARS} characters", field=field)
    return cleaned


def utc_datetime(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ValidationError(f"{field} must be a datetime", field=field)
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 and 9999-12-31T23:59-01:00 have no UTC equivalent
        raise ValidationError(f"{field} is outside the years 1-9999 once converted to UTC", field=field) from None


def vector_field(value: Sequence[float] | np.ndarray | None, dim: int) -> np.ndarray | None:
    if value is None:
        return None
    vec = np.asarray(value, dtype=np.float32).reshape(-1)
    if vec.shape[0] != dim:
        raise ValidationError(f"embedding must have {dim} dimensions (got {vec.shape[0]})", field="embedding")
    norm = float(np.linalg.norm(vec))
    if not np.isfinite(norm) or norm == 0.0:
        raise ValidationError("embedding must be finite and non-zero", field="embedding")
    return vec / norm


def check_input(item: MemoryInput) -> tuple[Kind, str]:
    """Validate a MemoryInput in place (enums coerced) and return its kind and indexed text."""
    scope = item.scope
    if not scope.tenant or not scope.cube:
        raise ValidationError("scope needs a tenant and a cube", field="scope")
    item.content_type = enum_value(ContentType, item.content_type, "content_type")
    item.tier = enum_value(Tier, item.tier, "memory_tier")
    item.tags = tags_field(item.tags)
    if not isinstance(item.metadata, dict):
        raise ValidationError("metadata must be an object", field="metadata")
    check_json(item.metadata, "metadata")
    if item.importance is not None:
        item.importance = unit_interval(item.importance, "importance")
    if item.ttl_seconds is not None and (isinstance(item.ttl_seconds, bool) or not isinstance(item.ttl_seconds, int)
                                         or item.ttl_seconds < 0):
        raise ValidationError("ttl_seconds must be an integer >= 0", field="ttl_seconds")
    item.created_at = utc_datetime(item.created_at, "created_at")
    if item.user_message is not None or item.ai_message is not None:
        user = text_field(item.user_message, "user_message", required=True)
        ai = text_field(item.ai_message, "ai_message", required=False)
        if item.content is None:
            item.content = f"{user}\n{ai}" if ai else user
        return Kind.TURN, item.content
    content = text_field(item.content, "content", required=True)
    return Kind.CONTENT, content


def check_filter(f: MemoryFilter) -> MemoryFilter:
    if f.kind is not None:
        f.kind = enum_value(Kind, f.kind, "kind")
    if f.tiers is not None:
        f.tiers = [enum_value(Tier, t, "memory_tier") for t in f.tiers]
    if f.content_type is not None:
        f.content_type = enum_value(ContentType, f.content_type, "content_type")
    if f.tags is not None:
        f.tags = tags_field(f.tags)
    if f.min_importance is not None:
        f.min_importance = unit_interval(f.min_importance, "min_importance")
    f.created_after = utc_datetime(f.created_after, "created_after")
    f.created_before = utc_datetime(f.created_before, "created_before")
    if f.created_after and f.created_before and f.created_after > f.created_before:
        raise ValidationError("created_after must not be later than created_before", field="created_after")
    if f.emotions is not None:
        from memory.emotions.labels import normalize_label
        try:
            f.emotions = [normalize_label(e) for e in f.emotions]
        except ValueError as exc:
            raise ValidationError(str(exc), field="emotions") from None
    return f


def selects_something(f: MemoryFilter) -> bool:
    """Whether the filter has any condition (an empty one would select every memory)."""
    return f.ids is not None or bool(f.tiers or f.tags or f.emotions) or any(
        getattr(f, name) is not None for name in ("tenant", "cube", "user_id", "session_id", "kind", "content_type",
                                                   "created_after", "created_before", "min_importance"))


def check_range(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{field} must be an integer from {low} to {high} (got {value!r})", field=field)
    return value
