"""What every live-chat connector shares: the run loop with backoff, its status, and de-duplication.

A connector reads one platform's chat and hands `LiveEvent`s, a batch at a time, to a feed (the same
livestream stream the HTTP hook uses). `session()` is one connection: it returns or raises when the
connection ends, and `run()` decides what comes next: reconnect after a growing pause, wait for a stream
that is not live yet, or stop for good (a refused key, an ended stream). Each state change is one log line.
"""

from __future__ import annotations

import asyncio
import logging
import random
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from bot.livestream.events import LiveEvent
from memory.clock import utcnow

log = logging.getLogger("omoide.live")
State = Literal["starting", "connected", "waiting", "reconnecting", "stopped"]
Feed = Callable[[list[LiveEvent]], Awaitable[None]]
SEEN_IDS = 20000  # message ids remembered to skip repeats after a reconnect
NAME_CHARS = 100
MESSAGE_CHARS = 2000


class StopConnector(Exception):
    """Retrying will not help (a refused key or token, a stream that has ended): the connector stops."""


class NotLive(Exception):
    """The stream is not live (yet): look again after `retry_after` seconds, without counting a failure."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Reconnect(Exception):
    """The server asked for a reconnect (Twitch RECONNECT) or closed the connection."""


@dataclass(slots=True)
class Backoff:
    """Pauses between reconnects: `first` doubling up to `most`, with jitter; reset once connected."""

    first: float = 1.0
    most: float = 60.0
    _next: float = field(default=0.0, init=False)

    def reset(self) -> None:
        self._next = self.first

    def next(self) -> float:
        wait = max(self._next, self.first)
        self._next = min(wait * 2, self.most)
        return min(wait * random.uniform(0.8, 1.2), self.most)


@dataclass(slots=True)
class ConnectorStatus:
    """What /health shows of a connector."""

    platform: str
    target: str
    persona: str
    state: State = "starting"
    since: datetime = field(default_factory=utcnow)
    last_error: str | None = None
    messages_seen: int = 0  # chat lines / messages read from the platform
    events_fed: int = 0  # handed to the persona's stream
    duplicates_skipped: int = 0
    reconnects: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"platform": self.platform, "target": self.target, "persona": self.persona, "state": self.state,
                "since": self.since.isoformat(), "last_error": self.last_error, "messages_seen": self.messages_seen,
                "events_fed": self.events_fed, "duplicates_skipped": self.duplicates_skipped,
                "reconnects": self.reconnects}


class RecentIds:
    """The last `size` message ids, to feed each message once even when a platform sends it again."""

    def __init__(self, size: int = SEEN_IDS) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, event_id: str) -> bool:
        """True when the id is new (and now remembered)."""
        if event_id in self._ids:
            return False
        self._ids[event_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit]


class Connector(ABC):
    platform: ClassVar[str]

    def __init__(self, target: str, persona: str, feed: Feed, backoff: Backoff) -> None:
        self.target = target
        self.feed = feed
        self.backoff = backoff
        self.status = ConnectorStatus(self.platform, target, persona)
        self.seen = RecentIds()

    @property
    def name(self) -> str:
        return f"{self.platform} {self.target} ({self.status.persona})"

    def set_state(self, state: State, detail: str | None = None, *, error: str | None = None,
                  repeat: bool = False) -> None:
        """Record a state change and log it once; with `repeat`, a failure with a new error is logged too."""
        same = state == self.status.state and not (repeat and error != self.status.last_error)
        if error is not None:
            self.status.last_error = error
        if same:
            return
        self.status.state, self.status.since = state, utcnow()
        level = logging.WARNING if state in ("reconnecting", "stopped") and error else logging.INFO
        log.log(level, "live %s: %s%s", self.name, state, f" ({detail})" if detail else "")
        if state == "connected":
            self.backoff.reset()

    async def deliver(self, events: list[LiveEvent]) -> None:
        """Feed the events not seen before, in order, as one batch."""
        fresh = [e for e in events if self.seen.add(e.event_id)]
        self.status.duplicates_skipped += len(events) - len(fresh)
        if fresh:
            await self.feed(fresh)
            self.status.events_fed += len(fresh)

    @abstractmethod
    async def session(self) -> None:
        """One connection: read chat until it ends (return or raise)."""

    async def run(self) -> None:
        """Connect, read, reconnect with backoff, until stopped or cancelled."""
        self.backoff.reset()
        try:
            while True:
                try:
                    await self.session()
                    raise Reconnect("the connection ended")
                except StopConnector as exc:
                    self.set_state("stopped", str(exc), error=str(exc))
                    return
                except NotLive as exc:
                    self.set_state("waiting", f"{exc}; looking again in {exc.retry_after:g} s")
                    await asyncio.sleep(exc.retry_after)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a dropped connection, a 5xx, a timeout: retried
                    reason = _describe(exc)
                    wait = self.backoff.next()
                    self.status.reconnects += 1
                    self.set_state("reconnecting", f"{reason}; again in {wait:.1f} s", error=reason, repeat=True)
                    await asyncio.sleep(wait)
        finally:
            if self.status.state != "stopped":
                self.set_state("stopped", "shut down")


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
