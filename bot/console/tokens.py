"""Signed console values: the login session cookie, CSRF tokens and the users' privacy links.

They are signed with their own secret (DATA_DIR/console.secret, 0600) and each kind names its audience,
so a privacy link never passes for a session, and neither passes for a Memory Mesh token.
A session cookie holds the API key's id, never the key: revoking the key ends the session. Expiry is
read from the engine's clock (memory.clock), so a test moves a ManualClock past a link's 30 minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt

from bot.api.auth.secrets import read_or_create_secret
from config import Settings
from memory.clock import Clock, SystemClock

SECRET_FILE = "console.secret"
ISSUER = "omoide-console"
SESSION_AUDIENCE = "console-session"
PRIVACY_AUDIENCE = "privacy-link"


class LinkError(Exception):
    """A privacy link that cannot be used; `expired` tells the two cases apart for the page."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class SessionClaims:
    key_id: str
    sid: str
    expires: datetime


@dataclass(frozen=True)
class PrivacyClaims:
    user_id: str
    tenant: str
    jti: str
    expires: datetime
    cubes: frozenset[str] | None = None  # None: every cube of the tenant (mydata); else only these

    def covers(self, cube: str) -> bool:
        return self.cubes is None or cube in self.cubes


@dataclass
class ConsoleSigner:
    secret: str
    session_life: timedelta
    link_life: timedelta
    ended: set[str] = field(default_factory=set)  # session ids logged out (until their cookie expires)
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> ConsoleSigner:
        return cls(read_or_create_secret(Path(settings.data_dir) / SECRET_FILE),
                   timedelta(hours=settings.console_session_hours), timedelta(minutes=settings.privacy_link_minutes),
                   clock=clock or SystemClock())

    def _encode(self, claims: dict[str, Any]) -> str:
        return jwt.encode({"iss": ISSUER, **claims}, self.secret, algorithm="HS256")

    def _decode(self, token: str, audience: str) -> dict[str, Any]:
        claims: dict[str, Any] = jwt.decode(
            token, self.secret, algorithms=["HS256"], issuer=ISSUER, audience=audience,
            options={"require": ["exp", "sub", "jti", "aud"], "verify_exp": False, "verify_iat": False})
        expires = claims["exp"]
        if not isinstance(expires, int | float):
            raise jwt.InvalidTokenError("exp: not a time")
        if expires <= self.clock.now().timestamp():  # this clock, not PyJWT's wall clock
            raise jwt.ExpiredSignatureError("expired")
        return claims

    # -- operator sessions ------------------------------------------------------------------------
    def session(self, key_id: str, now: datetime | None = None) -> str:
        now = now or self.clock.now()
        return self._encode({"aud": SESSION_AUDIENCE, "sub": key_id, "jti": secrets.token_urlsafe(16), "iat": now,
                             "exp": now + self.session_life})

    def read_session(self, token: str) -> SessionClaims | None:
        try:
            claims = self._decode(token, SESSION_AUDIENCE)
        except jwt.InvalidTokenError:
            return None
        if claims["jti"] in self.ended:
            return None
        return SessionClaims(str(claims["sub"]), str(claims["jti"]), datetime.fromtimestamp(claims["exp"], UTC))

    def end_session(self, sid: str) -> None:
        if len(self.ended) > 100_000:  # a bound; old entries are of expired cookies anyway
            self.ended.clear()
        self.ended.add(sid)

    # -- CSRF (synchronizer token bound to the session or link; double-submit for the login form) --
    def csrf(self, bound: str) -> str:
        return hmac.new(self.secret.encode(), f"csrf|{bound}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, bound: str, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.csrf(bound), given or "")

    # -- privacy links ------------------------------------------------------------------------------
    def privacy_token(self, user_id: str, tenant: str, now: datetime | None = None, *,
                      cubes: list[str] | None = None) -> str:
        """One user, one tenant, read and delete only, for `link_life` (30 minutes by default). `cubes` narrows
        it to some personas: a link an operator with a persona-scoped key issues shows no more than that key may."""
        now = now or self.clock.now()
        claims: dict[str, Any] = {"aud": PRIVACY_AUDIENCE, "sub": user_id, "ten": tenant, "iat": now,
                                  "jti": secrets.token_urlsafe(12), "exp": now + self.link_life}
        if cubes is not None:
            claims["cub"] = sorted(cubes)
        return self._encode(claims)

    def read_privacy(self, token: str) -> PrivacyClaims:
        try:
            claims = self._decode(token, PRIVACY_AUDIENCE)
        except jwt.ExpiredSignatureError:
            raise LinkError(expired=True) from None
        except jwt.InvalidTokenError:
            raise LinkError(expired=False) from None
        cubes = claims.get("cub")
        if not isinstance(claims.get("ten"), str) or not (cubes is None or isinstance(cubes, list)):
            raise LinkError(expired=False)
        return PrivacyClaims(str(claims["sub"]), claims["ten"], str(claims["jti"]),
                             datetime.fromtimestamp(claims["exp"], UTC),
                             frozenset(str(c) for c in cubes) if cubes is not None else None)


def public_base(settings: Settings) -> str:
    """Where people reach the console: CONSOLE_PUBLIC_URL, else the API's own address."""
    if settings.console_public_url:
        return settings.console_public_url.rstrip("/")
    host = settings.api_host if settings.api_host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    return f"http://{host}:{settings.api_port}"


def privacy_link(settings: Settings, user_id: str, tenant: str) -> str:
    """The URL `mydata` sends: opens the user's privacy page for PRIVACY_LINK_MINUTES."""
    return link_of(settings, ConsoleSigner.from_settings(settings).privacy_token(user_id, tenant))


def link_of(settings: Settings, token: str) -> str:
    return f"{public_base(settings)}/console/privacy/{token}"
