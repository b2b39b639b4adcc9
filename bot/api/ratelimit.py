"""Per-caller token buckets: `rate` requests a minute with bursts up to `burst`.

Kept by hand (weighed in docs/decisions.md): `limits` 5.8 offers fixed, moving and sliding windows but
no token bucket, so API_RATE_LIMIT_BURST (a burst, then the steady rate) has no equivalent, and its
memory storage reads time.time() with no clock to pass in; `aiolimiter` 1.3 is a leaky bucket that makes
the caller wait, with no non-blocking take and no time-to-capacity for Retry-After. Both would still
need the per-caller map kept here.
"""

from __future__ import annotations

import math
import time
from typing import Protocol


class Limiter(Protocol):
    """What the API's middleware asks: 0 when the caller may go on, else whole seconds to wait."""

    async def check(self, caller: str) -> int: ...


class RateLimiter:
    """In process: SQLite mode's one process (and a livestream's answer pace); PostgreSQL mode shares
    the API's buckets between workers instead (bot.cluster.limits)."""

    def __init__(self, per_minute: int, burst: int, max_callers: int = 50_000) -> None:
        self.enabled = per_minute > 0
        self.rate = per_minute / 60.0
        self.burst = float(max(burst, 1))
        self.max_callers = max_callers
        self._buckets: dict[str, tuple[float, float]] = {}  # caller -> (tokens, last time)

    def take(self, caller: str, now: float | None = None) -> int:
        """0 when the request may go; otherwise the whole seconds to wait (for Retry-After)."""
        if not self.enabled:
            return 0
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(caller, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._store(caller, tokens - 1.0, now)
            return 0
        self._store(caller, tokens, now)
        return max(1, math.ceil((1.0 - tokens) / self.rate))

    async def check(self, caller: str) -> int:
        return self.take(caller)

    def _store(self, caller: str, tokens: float, now: float) -> None:
        if len(self._buckets) >= self.max_callers and caller not in self._buckets:
            full = [k for k, (t, last) in self._buckets.items() if t + (now - last) * self.rate >= self.burst]
            for k in full:
                del self._buckets[k]
        self._buckets[caller] = (tokens, now)
