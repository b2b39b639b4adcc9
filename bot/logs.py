"""Structured logs (key=value) that never carry tokens or API keys."""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(r"(?i)(token|api[_-]?key|authorization|secret|password)"  # the key's name
                     r"([\"']?\s*[:=]\s*[\"']?)"  # its quote and separator
                     r"([^\s\"',}<][^\s\"',}]*)")  # the value
_DISCORD_TOKEN = re.compile(r"[A-Za-z\d_-]{23,28}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}")


class RedactingFormatter(logging.Formatter):
    """Formats as `time level logger msg` and blanks anything that looks like a credential."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        text = _SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
        return _DISCORD_TOKEN.sub("***", text)


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiosqlite", "sqlalchemy.engine", "httpx", "urllib3", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
