"""The Discord connection as /health, /health/ready and /metrics show it: off, connecting, connected,
reconnecting or stopped, with shards, latency, the last error and how many attempts were made (the one
place that says; the three read it).

The runner's login loop and the client's own events (connect, ready, resumed, disconnect) update it.
discord.py retries a dropped gateway itself and logs each retry with a full traceback; `OneLineRetries`
turns those into one line naming the error, and records it here.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from memory.clock import utcnow

if TYPE_CHECKING:
    import discord

State = str  # "off" | "connecting" | "connected" | "reconnecting" | "stopped"


def describe(exc: BaseException) -> str:
    """An error in one line, without secrets: its type and message."""
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass
class DiscordStatus:
    configured: bool = False  # a Discord client runs in this process (the runner's, once a token is given)
    state: State = "off"
    last_error: str | None = None
    last_error_at: datetime | None = None
    attempts: int = 0  # login attempts since start, and gateway reconnects
    connected_at: datetime | None = None
    client: discord.Client | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    WATCHED = frozenset({"state", "attempts", "last_error"})

    def __setattr__(self, name: str, value: Any) -> None:
        """Every change of state, attempts or last error wakes `wait_until`."""
        super().__setattr__(name, value)
        if name in self.WATCHED and "_changed" in self.__dict__:
            changed, self._changed = self._changed, asyncio.Event()
            changed.set()

    async def wait_until(self, condition: Callable[[DiscordStatus], bool]) -> None:
        """Return once `condition(self)` holds (e.g. `lambda s: s.state == "connected"`)."""
        while not condition(self):
            await self._changed.wait()

    def error(self, exc: BaseException | str) -> None:
        self.last_error = exc if isinstance(exc, str) else describe(exc)
        self.last_error_at = utcnow()

    def watch(self, client: discord.Client) -> None:
        """Follow this client's connection through its events (it runs in this process: configured)."""
        self.client = client
        self.configured = True
        add = getattr(client, "add_listener", None)
        if add is None:
            return
        add(self._on_connected, "on_ready")
        add(self._on_connected, "on_resumed")
        add(self._on_disconnect, "on_disconnect")

    async def _on_connected(self) -> None:
        self.state = "connected"
        self.connected_at = utcnow()

    async def _on_disconnect(self) -> None:
        if self.state == "connected":
            self.state = "reconnecting"

    @property
    def healthy(self) -> bool:
        return not self.configured or self.state == "connected"

    def as_dict(self) -> dict[str, Any]:
        """What /health reports under `discord`."""
        client = self.client
        connected = self.state == "connected"
        latency = client.latency if client is not None and connected else math.nan
        return {
            "configured": self.configured, "state": self.state, "connected": connected,
            "shards": (client.shard_count or 1) if client is not None and connected else 0,
            "latency_ms": round(latency * 1000, 1) if math.isfinite(latency) else None,
            "guilds": len(client.guilds) if client is not None and connected else 0,
            "attempts": self.attempts,
            "connected_at": self.connected_at.isoformat() if self.connected_at else None,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at.isoformat() if self.last_error_at else None,
        }


class OneLineRetries(logging.Filter):
    """discord.py's gateway retry ("Attempting a reconnect in 4.2s" + traceback) as one line, recorded."""

    def __init__(self, status: DiscordStatus) -> None:
        super().__init__()
        self.status = status

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Attempting a reconnect in %.2fs" and record.exc_info:
            exc = record.exc_info[1]
            reason = describe(exc) if exc is not None else "connection lost"
            self.status.error(reason)
            self.status.state = "reconnecting"
            self.status.attempts += 1
            record.msg = "Discord connection lost (%s); reconnecting in %.0f s"
            record.args = (reason, *(record.args or ()))
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
