"""One error body for every route: `{"error": true, "error_type", "message", "field", "detail"}`.

It is the Memory Tools seed's unified format (plus `field`, naming what to fix), it carries the
`message` the Memory Mesh clients read, and `detail` (the same text) that the FastAPI-style seeds'
clients (EmotionMemCore, CocoroCore2, Resonant Engine) read. Handlers raise ApiError (or the engine's typed errors).
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from memory.errors import OmoideError

_dumps = partial(json.dumps, ensure_ascii=False)
STATUS_OF = {
    "ValidationError": 422,
    "NotFoundError": 404,
    "ConflictError": 409,
    "EmbeddingMismatchError": 409,
    "SnapshotError": 409,  # the data on disk cannot be snapshotted or read as one (memory.snapshots)
    "StateError": 400,  # the Resonant routes: a step already taken (completing or deciding twice)
}


class ApiError(Exception):
    """An error with its HTTP status; raised anywhere below a handler."""

    def __init__(self, status: int, error_type: str, message: str, *, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.field = field
        self.headers = headers or {}


def body(error_type: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": True, "error_type": error_type, "message": message, "field": field, "detail": message}


def response(err: ApiError) -> web.Response:
    return web.json_response(body(err.error_type, err.message, err.field), status=err.status,
                             headers=err.headers, dumps=_dumps)


def from_engine(exc: OmoideError) -> ApiError:
    return ApiError(STATUS_OF.get(exc.error_type, 422), exc.error_type, exc.message, field=exc.field)


def loc_name(loc: tuple[Any, ...]) -> str:
    """pydantic's location as a dotted field name (`messages.2.role`), the body root as `body`."""
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in ("body", "query"):  # a container prefix, not a field named so
        parts = parts[1:]
    return ".".join(parts) or "body"


def from_pydantic(exc: PydanticValidationError, *, prefix: str = "", model: type[BaseModel] | None = None) -> ApiError:
    """The first problem, named by its field; `model`: an unknown field's message lists the expected ones."""
    first = exc.errors()[0]
    name = loc_name(tuple(first["loc"]))
    if prefix:
        name = f"{prefix}.{name}" if name != "body" else prefix
        name = name.replace("].", "]", 0)
    msg = first["msg"]
    if first["type"] == "missing":
        msg = "is required"
    elif first["type"] == "extra_forbidden" and model is not None:
        expected = ", ".join(info.alias or name for name, info in model.model_fields.items())
        msg = f"is not a field of this request (expected: {expected})"
    more = len(exc.errors()) - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return ApiError(422, "ValidationError", f"{name}: {msg}{tail}", field=name)


def not_found(what: str, field: str | None = None) -> ApiError:
    return ApiError(404, "NotFoundError", f"{what} not found", field=field)


def forbidden(message: str) -> ApiError:
    return ApiError(403, "Forbidden", message)


def unauthorized(message: str) -> ApiError:
    return ApiError(401, "Unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="omoide"'})
