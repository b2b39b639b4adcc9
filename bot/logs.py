"""Structured logs that never carry tokens or API keys: `time level logger msg` lines, or JSON lines
(LOG_FORMAT=json), each with the id of the request, command or event being served when there is one."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from bot.telemetry.context import current_request_id
from bot.telemetry.tracing import current_trace_id

_SECRET = re.compile(r"(?i)(token|api[_-]?key|authorization|secret|password)"  # the key's name
                     r"([\"']?\s*[:=]\s*[\"']?)"  # its quote and separator
                     r"([^\s\"',}<][^\s\"',}]*)")  # the value
_DISCORD_TOKEN = re.compile(r"[A-Za-z\d_-]{23,28}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,40}")


def redact(text: str) -> str:
    text = _SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return _DISCORD_TOKEN.sub("***", text)


class RedactingFormatter(logging.Formatter):
    """Formats as `time level logger msg [request_id=...]` and blanks anything that looks like a credential."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request_id = current_request_id()
        if request_id is not None:
            first, nl, rest = text.partition("\n")  # after the message, before a traceback
            text = f"{first} request_id={request_id}{nl}{rest}"
        return redact(text)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id and trace_id when known, exception."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": redact(record.getMessage())}
        if (request_id := current_request_id()) is not None:
            doc["request_id"] = request_id
        if (trace_id := current_trace_id()) is not None:
            doc["trace_id"] = trace_id
        if record.exc_info:
            doc["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(doc, ensure_ascii=False)


def setup_logging(level: str, fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         RedactingFormatter("%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # alembic: "Context impl SQLiteImpl." at every start; memory.db.migrate logs what an upgrade changed
    for noisy in ("aiosqlite", "sqlalchemy.engine", "httpx", "urllib3", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
