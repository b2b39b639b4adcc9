"""`mydata CODE` in a live chat: how a livestream viewer, who has no Discord DM, gets their privacy link.

The viewer opens the console's /console/privacy/ask page, which shows a one-time code and keeps a secret
nonce in that browser's cookie; they type `mydata CODE` in the stream's chat. The chat message comes from the
platform under the viewer's own id, so it proves who they are; the browser holding the nonce then gets a
privacy link for that viewer. The code alone is useless to anyone else who reads the chat, and the message is
neither answered nor remembered. Codes live in this process only and expire after CODE_MINUTES.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from bot.livestream.events import LiveEvent
from memory.clock import utcnow

CODE_MINUTES = 10
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: typed by hand from a screen
CODE_LENGTH = 8
PENDING_MAX = 10_000
COMMAND = re.compile(rf"^\s*[!/]?(?:mydata|マイデータ)\s+([{CODE_ALPHABET}]{{{CODE_LENGTH}}})\s*$", re.IGNORECASE)


@dataclass
class Pending:
    code: str
    nonce: str
    tenant: str
    expires: datetime
    user_id: str | None = None  # set when the code arrives in a chat message


class ChatCodes:
    """Pending codes of the process: made by the console page, claimed by a chat message."""

    def __init__(self, tenant: str, life: timedelta = timedelta(minutes=CODE_MINUTES)) -> None:
        self.tenant = tenant
        self.life = life
        self._by_code: dict[str, Pending] = {}
        self._by_nonce: dict[str, Pending] = {}

    def new(self, now: datetime | None = None) -> Pending:
        now = now or utcnow()
        self._forget_expired(now)
        if len(self._by_code) >= PENDING_MAX:
            raise OverflowError("too many privacy codes waiting; try again in a few minutes")
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        while code in self._by_code:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        pending = Pending(code, secrets.token_urlsafe(32), self.tenant, now + self.life)
        self._by_code[code] = self._by_nonce[pending.nonce] = pending
        return pending

    def of_nonce(self, nonce: str, now: datetime | None = None) -> Pending | None:
        pending = self._by_nonce.get(nonce)
        return pending if pending is not None and pending.expires > (now or utcnow()) else None

    def done(self, pending: Pending) -> None:
        """The link was handed out: the code cannot be used again."""
        self._by_code.pop(pending.code, None)
        self._by_nonce.pop(pending.nonce, None)

    def claim(self, event: LiveEvent) -> bool:
        """True when the message is `mydata CODE` (the stream neither answers nor remembers it); a known,
        unclaimed code is bound to the viewer who sent it."""
        found = COMMAND.match(event.message or "")
        if found is None:
            return False
        pending = self._by_code.get(found.group(1).upper())
        if pending is not None and pending.user_id is None and pending.expires > utcnow():
            pending.user_id = event.user_id
        return True

    def _forget_expired(self, now: datetime) -> None:
        for pending in [p for p in self._by_code.values() if p.expires <= now]:
            self.done(pending)


CHAT_CODES = web.AppKey("livestream_chat_codes", ChatCodes)
