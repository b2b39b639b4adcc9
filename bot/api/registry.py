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

from bot.api.errors import ApiError, from_pydantic, loc_name
from bot.api.identifiers import check_path_identifiers
from memory.json_limits import MAX_JSON_DEPTH

if TYPE_CHECKING:
    from bot.api.auth.principal import Principal

Handler = Callable[..., Awaitable[Any]]
Invalid = Callable[[PydanticValidationError], ApiError]
OPERATIONS = web.AppKey("operations", list)
dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
# a body's own shape nests a few levels (a batch's items, their metadata): beyond this a free-form field is
# far past MAX_JSON_DEPTH, and refusing it here keeps it away from every recursive step after parsing
MAX_BODY_DEPTH = 2 * MAX_JSON_DEPTH


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
        check_path_identifiers(request)
        if op.path_params is not None:
            kwargs["path"] = _model(op.path_params, dict(request.match_info), invalid)
        if op.query is not None:
            kwargs["query"] = parse_query(op.query, request, invalid)
        if op.body is not None:
            default: list[Any] | dict[str, Any] | None = None if op.body_required else [] if op.body_is_list else {}
            raw = await read_json(request, default=default)
            kwargs["body"] = raw if op.body_is_list else validate(op.body, raw, invalid=op.invalid)
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
    except UnicodeError:
        raise ApiError(400, "BadRequest", "the request body is not valid UTF-8 JSON", field="body") from None
    except RecursionError:  # the parser's own limit, far past MAX_BODY_DEPTH
        raise ApiError(400, "BadRequest", "the request body cannot be read as JSON: it is nested deeper than "
                       f"{MAX_BODY_DEPTH} levels", field="body") from None
    except ValueError as exc:
        raise ApiError(400, "BadRequest", f"the request body is not valid JSON: {exc}", field="body") from None
    _scan(data)
    return data


def _check_string(value: str, path: tuple[str | int, ...]) -> None:
    if value.isascii() and "\x00" not in value:
        return
    name = loc_name(path) if path else "body"
    try:
        value.encode("utf-8")
    except UnicodeError:  # a lone surrogate (\ud800): the database could not store it
        raise ApiError(400, "BadRequest", f"{name}: the request body is not valid UTF-8 JSON (a lone "
                       "surrogate)", field=name) from None
    if "\x00" in value:
        raise ApiError(422, "ValidationError", f"{name}: strings must not contain NUL characters", field=name)


def _scan(data: Any) -> None:
    """Refuse NUL characters, lone surrogates and bodies nested past MAX_BODY_DEPTH, naming where.

    Iterative, so a body nested a thousand levels deep is a 4xx, never a RecursionError.
    """
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            _check_string(node, path)
            continue
        if len(path) >= MAX_BODY_DEPTH and isinstance(node, (dict, list)):
            name = loc_name(path[:1])
            raise ApiError(422, "ValidationError", f"{name} is nested deeper than {MAX_JSON_DEPTH} levels",
                           field=name)
        if isinstance(node, dict):
            for key, value in node.items():
                _check_string(key, (*path, key))
                stack.append((value, (*path, key)))
        elif isinstance(node, list):
            stack.extend((value, (*path, i)) for i, value in enumerate(node))


def validate(model: type[BaseModel], data: Any, *, prefix: str = "", invalid: Invalid | None = None) -> Any:
    if not isinstance(data, dict):
        name = prefix or "body"
        raise ApiError(422, "ValidationError", f"{name} must be a JSON object", field=name)
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise (invalid(exc) if invalid else from_pydantic(exc, prefix=prefix, model=model)) from None


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
