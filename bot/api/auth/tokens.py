"""Memory Mesh JWTs (HS256): short access tokens and one-use refresh tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from bot.api.errors import unauthorized
from memory.clock import utcnow

ISSUER = "omoide"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_jti: str
    refresh_expires_at: datetime


class Tokens:
    def __init__(self, secret: str, access_minutes: int, refresh_days: int) -> None:
        self._secret = secret
        self.access = timedelta(minutes=access_minutes)
        self.refresh = timedelta(days=refresh_days)

    def _encode(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def issue(self, user_id: str, family: str) -> TokenPair:
        """A pair for one login (`family`: every pair traded from this login's refresh tokens shares it)."""
        now = utcnow()
        jti = secrets.token_hex(16)
        access = self._encode({"sub": user_id, "typ": "access", "iss": ISSUER, "iat": now,
                               "exp": now + self.access, "jti": secrets.token_hex(8), "fam": family})
        refresh = self._encode({"sub": user_id, "typ": "refresh", "iss": ISSUER, "iat": now,
                                "exp": now + self.refresh, "jti": jti, "fam": family})
        return TokenPair(access, refresh, int(self.access.total_seconds()), jti, now + self.refresh)

    def verify(self, token: str, typ: str) -> dict[str, Any]:
        """The claims of a valid token of the given type; 401 with the reason otherwise."""
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"], issuer=ISSUER,
                                options={"require": ["exp", "sub", "typ", "jti"]})
        except jwt.ExpiredSignatureError:
            raise unauthorized(f"the {typ} token has expired") from None
        except jwt.InvalidTokenError:
            raise unauthorized(f"invalid {typ} token") from None
        if claims.get("typ") != typ:
            raise unauthorized(f"this is not a{'n' if typ == 'access' else ''} {typ} token")
        return claims
