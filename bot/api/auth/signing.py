"""Signed requests (seed 000's security section): `X-Signature`, `X-Timestamp` and `X-Request-ID`.

The seed's client signs `f"{METHOD}|{path}|{body}|{timestamp}"` with HMAC-SHA256 keyed by its API key
(hex digest) and sends the key beside it in X-API-Key. So a signature proves that whoever holds the key
made this exact request within the last five minutes; remembering signatures and request ids until
their timestamp is stale makes each signed request usable once. `path` is the request target as sent:
the path plus `?query` when there is one. `body` is the body as sent, or (what the seed's client signs
while httpx sends a compact form) `json.dumps(body, sort_keys=True)` of the parsed JSON.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import json
import math
import re
import time
from collections.abc import Callable

from aiohttp import web

from bot.api.errors import ApiError, unauthorized

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
REQUEST_ID_HEADER = "X-Request-ID"
MAX_SKEW_SECONDS = 300
MAX_REQUEST_ID_CHARS = 128
HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
REPLAY_CAPACITY = 100_000  # remembered signatures + request ids; beyond it signed requests wait (429)


def sign(key: str, method: str, path: str, body: str, timestamp: str) -> str:
    """The seed's `_generate_request_signature`: hex HMAC-SHA256 of METHOD|path|body|timestamp."""
    message = f"{method.upper()}|{path}|{body}|{timestamp}"
    return hmac.new(key.encode(), message.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()


def signed_bodies(raw: bytes) -> list[str]:
    """The body texts a client may have signed: the bytes as sent, and the seed's sorted-keys JSON form."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return []  # a body that is not text cannot have been signed as the seed signs
    out = [text]
    if text.strip():
        try:
            canonical = json.dumps(json.loads(text), sort_keys=True)
        except (ValueError, RecursionError):
            return out
        if canonical != text:
            out.append(canonical)
    return out


class ReplayGuard:
    """Remembers what signed requests used (per key) until their timestamp could no longer pass.

    Bounded: when full of entries still fresh it refuses new signed requests (429) rather than forget
    one early, which would let that request be replayed.
    """

    def __init__(self, capacity: int = REPLAY_CAPACITY, clock: Callable[[], float] = time.time) -> None:
        self.capacity = capacity
        self.clock = clock
        self._until: dict[str, float] = {}
        self._expiry: list[tuple[float, str]] = []

    def __len__(self) -> int:
        return len(self._until)

    def _sweep(self, now: float) -> None:
        while self._expiry and self._expiry[0][0] <= now:
            until, token = heapq.heappop(self._expiry)
            if self._until.get(token) == until:
                del self._until[token]

    def seen(self, token: str) -> bool:
        self._sweep(self.clock())
        return token in self._until

    def remember(self, tokens: list[str], until: float) -> None:
        """Record `tokens` as used until `until` (epoch seconds); 429 when there is no room."""
        now = self.clock()
        self._sweep(now)
        if len(self._until) + len(tokens) > self.capacity:
            wait = max(1, math.ceil(self._expiry[0][0] - now)) if self._expiry else 1
            raise ApiError(429, "RateLimitExceeded", "too many signed requests in the last "
                           f"{MAX_SKEW_SECONDS // 60} minutes to remember them all; retry after {wait} s",
                           headers={"Retry-After": str(wait)})
        for token in tokens:
            self._until[token] = until
            heapq.heappush(self._expiry, (until, token))


def _timestamp(request: web.Request, now: float) -> float:
    raw = request.headers.get(TIMESTAMP_HEADER)
    if raw is None:
        raise _refused(f"a signed request needs {TIMESTAMP_HEADER} (Unix seconds)", TIMESTAMP_HEADER)
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise _refused(f"{TIMESTAMP_HEADER} must be Unix seconds, like {int(now)}", TIMESTAMP_HEADER)
    if abs(value - now) > MAX_SKEW_SECONDS:
        raise _refused(f"{TIMESTAMP_HEADER} is {abs(value - now):.0f} s away from the server clock "
                       f"(at most {MAX_SKEW_SECONDS} s)", TIMESTAMP_HEADER)
    return value


def _refused(message: str, field: str) -> ApiError:
    err = unauthorized(message)
    err.field = field
    return err


async def check_signature(request: web.Request, *, key: str | None, key_id: str, required: bool,
                          guard: ReplayGuard) -> None:
    """Verify X-Signature when sent (or when the key requires it); 401/409 naming the header to fix."""
    signature = request.headers.get(SIGNATURE_HEADER)
    if signature is None:
        if required:
            raise _refused(f"this API key only takes signed requests: send {SIGNATURE_HEADER} and "
                           f"{TIMESTAMP_HEADER} (see docs/api.md, Signed requests)", SIGNATURE_HEADER)
        return
    if key is None:
        raise _refused(f"{SIGNATURE_HEADER} is checked with the API key that signed it: send it in X-API-Key",
                       "X-API-Key")
    now = time.time()
    stamp = request.headers.get(TIMESTAMP_HEADER, "")
    sent_at = _timestamp(request, now)
    request_id = request.headers.get(REQUEST_ID_HEADER)
    if request_id is not None and not 1 <= len(request_id) <= MAX_REQUEST_ID_CHARS:
        raise ApiError(422, "ValidationError", f"{REQUEST_ID_HEADER} must be 1 to {MAX_REQUEST_ID_CHARS} "
                       "characters", field=REQUEST_ID_HEADER)
    path = request.raw_path
    given = signature.strip().lower()
    if not HEX_DIGEST.fullmatch(given) or not any(
            hmac.compare_digest(sign(key, request.method, path, body, stamp), given)
            for body in signed_bodies(await request.read())):
        raise _refused(f"{SIGNATURE_HEADER} does not match this request: sign "
                       f"'{request.method}|{path[:200]}|<body>|{stamp[:20]}' with the API key (hex HMAC-SHA256)",
                       SIGNATURE_HEADER)
    used = {SIGNATURE_HEADER: f"{key_id}|sig|{given}"}
    if request_id is not None:
        used[REQUEST_ID_HEADER] = f"{key_id}|id|{request_id}"
    for which, token in used.items():
        if guard.seen(token):
            raise ApiError(409, "ReplayedRequest", f"this signed request was already received ({which} seen "
                           f"before); sign each request anew with a fresh {TIMESTAMP_HEADER} and "
                           f"{REQUEST_ID_HEADER}", field=which)
    guard.remember(list(used.values()), sent_at + MAX_SKEW_SECONDS)
