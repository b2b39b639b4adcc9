"""Request parsing and error bodies for the Resonant routes, in that API's own error format.

Every error is `{"detail": "<message naming the field>"}` (plus `field` when one field is to blame):
400 for a body that is not JSON or a step already taken, 404 for unknown ids, 413 for a body over the
limit, 422 for a field that fails validation. Nothing a client sends can produce a 500.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Mapping, TypeVar, get_origin

from aiohttp import web
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from bot.resonant.enums import QueryType
from bot.resonant.errors import NotFoundError, StateError, ValidationError
from memory.errors import OmoideError

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_UNION_TAGS = {t.value for t in QueryType}


class HttpError(Exception):
    def __init__(self, status: int, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.field = status, detail, field


def error_response(status: int, detail: str, field: str | None = None) -> web.Response:
    body: dict[str, Any] = {"detail": detail}
    if field:
        body["field"] = field
    return web.json_response(body, status=status)


def ok(model: BaseModel, status: int = 200) -> web.Response:
    return web.json_response(model.model_dump(mode="json"), status=status)


def _field_name(loc: tuple[int | str, ...], err_type: str) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif i > 0 and loc[i - 1] == "query" and item in _UNION_TAGS:
            continue  # the tag pydantic inserts for the query's tagged union; the client never wrote it
        else:
            parts.append(("." if parts else "") + item)
    if err_type in ("union_tag_invalid", "union_tag_not_found"):
        parts.append(".type")
    return "".join(parts) or "body"


def _message(err: Mapping[str, Any]) -> str:
    if err["type"] == "union_tag_not_found":
        return "Field required; one of " + ", ".join(repr(t.value) for t in QueryType)
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def invalid(exc: PydanticError) -> HttpError:
    """422 naming every bad field, e.g. `intent_type: Input should be 'feature_request', ...`."""
    errors = exc.errors()
    named = [(_field_name(tuple(e["loc"]), e["type"]), _message(e)) for e in errors]
    return HttpError(422, "; ".join(f"{field}: {msg}" for field, msg in named), named[0][0] if named else None)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


async def read_body(request: web.Request, model: type[M]) -> M:
    raw = await request.read()
    if not raw.strip():
        raise HttpError(400, "request body is empty; send a JSON object")
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise HttpError(400, f"request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise HttpError(422, f"body: expected a JSON object, got {type(data).__name__}", "body")
    try:
        return model.model_validate(data)
    except PydanticError as exc:
        raise invalid(exc) from None


def read_query(request: web.Request, model: type[M]) -> M:
    """List fields take repeated parameters and comma-separated values (`tags=a&tags=b` or `tags=a,b`)."""
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        values = request.query.getall(name, [])
        if not values:
            continue
        if get_origin(info.annotation) is list:
            data[name] = [v.strip() for value in values for v in value.split(",") if v.strip()]
        elif len(values) > 1:
            raise HttpError(422, f"{name}: give it once (got {len(values)} values)", name)
        else:
            data[name] = values[0]
    try:
        return model.model_validate(data)
    except PydanticError as exc:
        raise invalid(exc) from None


def path_id(request: web.Request, name: str) -> str:
    raw = request.match_info[name]
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise HttpError(422, f"{name}: {raw!r} is not a valid UUID", name) from None


def json_errors(handler: Handler) -> Handler:
    """Turns every failure of a handler into the API's error body, with the right status."""
    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except HttpError as exc:
            return error_response(exc.status, exc.detail, exc.field)
        except NotFoundError as exc:
            return error_response(404, exc.message, exc.field)
        except ValidationError as exc:
            return error_response(422, exc.message, exc.field)
        except StateError as exc:
            return error_response(400, exc.message, exc.field)
        except OmoideError as exc:
            return error_response(400, exc.message, exc.field)
        except web.HTTPException as exc:  # e.g. 413 from the body size limit
            return error_response(exc.status, exc.text or exc.reason or "request refused")
        except Exception:
            log.exception("resonant route failed: %s %s", request.method, request.path)
            return error_response(500, "internal server error")
    return wrapped
