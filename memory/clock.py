"""The engine's clock: every stored time is timezone-aware UTC.

The engine reads the time through a `Clock` it is given (`MemoryEngine.open(..., clock=...)`), so
what depends on time (TTL expiry, decay, idle working memory, recency) can be tested by moving a
`ManualClock` instead of sleeping. `utcnow()` stays for code that is not the engine's (file stamps,
the bot's own tables).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, overload


def utcnow() -> datetime:
    return datetime.now(UTC)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    """The wall clock (the default)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told: for tests of what happens after a TTL or days of idleness."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = as_utc(start) if start is not None else datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forward by `seconds` (never back: stored times only grow); returns the new time."""
        if seconds < 0:
            raise ValueError("a ManualClock only moves forward")
        self._now += timedelta(seconds=seconds)
        return self._now


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: datetime | None) -> datetime | None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything we store is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
