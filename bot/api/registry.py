"""Routes declared once: the same pydantic models validate requests and describe them in OpenAPI.

`Api(app).add(...)` registers an aiohttp route whose wrapper parses the JSON body and the query
string with the declared models (422 naming the field on failure, 400 for bodies that are not JSON)
and serialises the handler's model; `bot.api.openapi` turns the recorded operations into the spec.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, get_args, get_origin

from aiohttp import web
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from bot.api.errors import ApiError, from_pydantic

if TYPE_CHECKING:
    from bot.api.auth.principal import Principal

Handler = Callable[..., Awaitable[Any]]
Invalid = Callable[[PydanticValidationError], ApiError]
OPERATIONS = web.AppKey("operations", list)
dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    body_is_list: bool = False  # the body is a JSON array of `body` items, checked item by item
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    public: bool = False
    admin: bool = False
    audit: bool | None = None  # default: every method but GET
    errors: tuple[int, ...] = ()
    description: str = ""
    media_type: str = "application/json"
    spec: bool = True  # False: served but left out of the document (fallbacks, WebSockets)
    path_params: type[BaseModel] | None = None  # typed path parameters (e.g. UUIDs), passed as `path=`
    invalid: Invalid | None = None  # how this family words a validation error (default: from_pydantic)
    body_required: bool = False  # an empty body is a 400 instead of an empty object
    guard: Callable[[Principal], None] | None = None  # an access check beyond admin-only (raises ApiError)

    @property
    def audited(self) -> bool:
        return self.method != "GET" if self.audit is None else self.audit


class Api:
    """Adds documented routes to an application."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        if OPERATIONS not in app:
            app[OPERATIONS] = []

    def add(self, method: str, path: str, handler: Handler, *, summary: str, tag: str, **kw: Any) -> Operation:
        op = Operation(method.upper(), path, handler, summary, tag, **kw)
        self.app[OPERATIONS].append(op)
        self.app.router.add_route(op.method, path, _wrap(op))
        return op


def operation_of(request: web.Request) -> Operation | None:
    handler = request.match_info.handler
    return getattr(handler, "operation", None)


def _wrap(op: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        kwargs: dict[str, Any] = {}
        invalid = op.invalid or from_pydantic
        for name, value in request.match_info.items():
            check_text(value, name)
        if op.path_params is not None:
            kwargs["path"] = _model(op.path_params, dict(request.match_info), invalid)
        if op.query is not None:
            kwargs["query"] = parse_query(op.query, request, invalid)
        if op.body is not None:
            default: list[Any] | dict[str, Any] | None = None if op.body_required else [] if op.body_is_list else {}
            raw = await read_json(request, default=default)
            kwargs["body"] = raw if op.body_is_list else validate(op.body, raw, invalid=invalid)
        result = await op.handler(request, **kwargs)
        if isinstance(result, web.StreamResponse):
            return result
        return json_response(result, op.status)

    wrapped.operation = op  # type: ignore[attr-defined]  # a function attribute, read back by operation_of
    return wrapped


def json_response(result: Any, status: int = 200) -> web.Response:
    data = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
    return web.json_response(data, status=status, dumps=dumps)


def check_text(value: str, name: str) -> str:
    """Lone surrogates (from %ED%A0%80 or \\ud800) cannot be stored; refuse them by name."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, "BadRequest", f"{name} contains invalid Unicode", field=name) from None
    if "\x00" in value:
        raise ApiError(422, "ValidationError", f"{name} must not contain NUL characters", field=name)
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def read_json(request: web.Request, *, default: Any) -> Any:
    """The body as JSON; an empty body is `default`, or a 400 when `default` is None."""
    raw = await request.read()
    if not raw.strip():
        if default is None:
            raise ApiError(400, "BadRequest", "the request body is empty; send a JSON object", field="body")
        return default
    try:
        text = raw.decode("utf-8")
        data = json.loads(text, parse_constant=_no_constants)
        json.dumps(data, ensure_ascii=False).encode("utf-8")  # lone surrogates would fail later
    except UnicodeError:
        raise ApiError(400, "BadRequest", "the request body is not valid UTF-8 JSON", field="body") from None
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "BadRequest", f"the request body is not valid JSON: {exc}", field="body") from None
    if _has_nul(data):
        raise ApiError(422, "ValidationError", "strings must not contain NUL characters", field="body")
    return data


def _has_nul(data: Any) -> bool:
    if isinstance(data, str):
        return "\x00" in data
    if isinstance(data, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_has_nul(v) for v in data)
    return False


def validate(model: type[BaseModel], data: Any, *, prefix: str = "", invalid: Invalid | None = None) -> Any:
    if not isinstance(data, dict):
        name = prefix or "body"
        raise ApiError(422, "ValidationError", f"{name} must be a JSON object", field=name)
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise (invalid(exc) if invalid else from_pydantic(exc, prefix=prefix)) from None


def _model(model: type[BaseModel], data: dict[str, Any], invalid: Invalid) -> Any:
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise invalid(exc) from None


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) is list:
        return True
    return any(get_origin(a) is list for a in get_args(annotation))


def parse_query(model: type[BaseModel], request: web.Request, invalid: Invalid = from_pydantic) -> Any:
    """List fields take the parameter repeated; any other field given twice is ambiguous (422)."""
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in request.query:
            continue
        values = [check_text(v, key) for v in request.query.getall(key)]
        if _is_list(info.annotation):
            data[key] = values
        elif len(values) > 1:
            raise ApiError(422, "ValidationError", f"{key}: give it once (got {len(values)} values)", field=key)
        else:
            data[key] = values[0]
    return _model(model, data, invalid)
