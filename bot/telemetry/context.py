"""The id of the request (or command, or livestream event) being served, for logs, the audit log and traces.

A context variable: set once where the work enters the process (the HTTP middleware, a Discord
command), read wherever a log line or an audit row is written inside it, tasks included.
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

REQUEST_ID: ContextVar[str | None] = ContextVar("omoide_request_id", default=None)
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")  # what a client may choose (seed 000 sends 32 hex digits)


def new_request_id() -> str:
    return secrets.token_hex(16)


def accepted_request_id(given: str | None) -> str:
    """The client's X-Request-ID when it is a plain token, else a fresh one (never echo arbitrary text)."""
    if given and _ACCEPTABLE.fullmatch(given):
        return given
    return new_request_id()


def current_request_id() -> str | None:
    return REQUEST_ID.get()
