"""The OpenAPI 3.1 document, built from the operations the routes registered and their models."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from bot.api.docs_page import add_docs_routes
from bot.api.openapi_docs import document
from bot.api.registry import OPERATIONS, Operation, json_response
from bot.api.schemas.common import ErrorBody

TITLE = "Omoide side API"
VERSION = "1.0.0"
COMMON_ERRORS = {
    400: "The body is not valid JSON",
    401: "No valid X-API-Key or Bearer token",
    403: "The key or token may not reach this tenant, persona or route",
    413: "The body is larger than API_MAX_BODY_BYTES",
    422: "A field is invalid; `field` names it",
    429: "Too many requests for this key; wait Retry-After seconds",
}
EXTRA_ERRORS = {404: "Not found", 409: "Conflict with the current state"}
SPEC = web.AppKey("openapi_spec", dict)


def _ref_name(ref: dict[str, Any]) -> str:
    target: str = ref["$ref"]
    return target.rsplit("/", 1)[-1]


def _strip_null(schema: dict[str, Any]) -> dict[str, Any]:
    """Query values are never null; drop the null branch pydantic adds to Optional fields."""
    if "anyOf" in schema:
        branches = [b for b in schema["anyOf"] if b.get("type") != "null"]
        rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        if len(branches) == 1:
            return {**branches[0], **rest}
        return {**rest, "anyOf": branches}
    return {k: v for k, v in schema.items() if k != "default" or v is not None}


def build_spec(ops: list[Operation]) -> dict[str, Any]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization")]
    for op in ops:
        if op.body is not None:
            wanted.append((op.body, "validation"))
        if op.query is not None:
            wanted.append((op.query, "validation"))
        if op.path_params is not None:
            wanted.append((op.path_params, "validation"))
        if op.response is not None:
            wanted.append((op.response, "serialization"))
    keys, top = models_json_schema(list(dict.fromkeys(wanted)), ref_template="#/components/schemas/{model}")
    defs: dict[str, Any] = top.get("$defs", {})
    error_ref = keys[(ErrorBody, "serialization")]
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        if not op.spec:
            continue
        item = paths.setdefault(op.path, {})
        item[op.method.lower()] = _operation(op, keys, defs, error_ref)
    return document({
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION,
                 "description": "EmotionMemCore, CocoroCore2, Memory Mesh, Memory Tools and Resonant Engine "
                                "routes over the Omoide memory engine, plus admin routes. See docs/api.md."},
        "paths": paths,
        "components": {"schemas": defs},  # securitySchemes, security, examples: bot.api.openapi_docs
    })


def _operation(op: Operation, keys: dict[Any, Any], defs: dict[str, Any], error_ref: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": op.summary, "tags": [op.tag],
                           "operationId": re.sub(r"\W+", "_", f"{op.method}_{op.path}").strip("_").lower()}
    if op.description:
        out["description"] = op.description
    params: list[dict[str, Any]] = []
    typed: dict[str, Any] = {}
    if op.path_params is not None:
        typed = defs[_ref_name(keys[(op.path_params, "validation")])].get("properties", {})
    for name in re.findall(r"{(\w+)}", op.path):
        schema = typed.get(name) or {"type": "string", "minLength": 1, "maxLength": 256}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    if op.query is not None:
        qschema = defs[_ref_name(keys[(op.query, "validation")])]
        required = set(qschema.get("required", []))
        for name, prop in qschema.get("properties", {}).items():
            param = {"name": name, "in": "query", "required": name in required, "schema": _strip_null(prop)}
            if "description" in prop:
                param["description"] = prop["description"]
            params.append(param)
    if params:
        out["parameters"] = params
    if op.body is not None:
        ref = keys[(op.body, "validation")]
        schema = {"type": "array", "items": ref} if op.body_is_list else ref
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    responses: dict[str, Any] = {}
    if op.response is not None:
        responses[str(op.status)] = {"description": "OK",
                                     "content": {op.media_type: {"schema": keys[(op.response, "serialization")]}}}
    else:
        responses[str(op.status)] = {"description": "OK", "content": {op.media_type: {"schema": {"type": "string"}}}}
    codes = dict(COMMON_ERRORS)
    if op.public:
        codes.pop(401)
        codes.pop(403)
    if op.body is None:
        codes.pop(400)
    codes.update({c: EXTRA_ERRORS.get(c, "Error") for c in op.errors})
    if re.search(r"{\w+}", op.path):
        codes.setdefault(404, EXTRA_ERRORS[404])
    for code in sorted(codes):
        entry: dict[str, Any] = {"description": codes[code], "content": {"application/json": {"schema": error_ref}}}
        if code == 429:
            entry["headers"] = {"Retry-After": {"schema": {"type": "integer"},
                                                "description": "Seconds until a request will be accepted"}}
        responses[str(code)] = entry
    out["responses"] = responses
    if op.public:
        out["security"] = []
    return out


async def openapi_json(request: web.Request) -> web.Response:
    app = request.app
    if SPEC not in app:
        app[SPEC] = build_spec(app[OPERATIONS])
    return json_response(app[SPEC])


def setup(app: web.Application) -> None:
    """/openapi.json and /docs are public (they describe the API, they expose no data)."""
    app.router.add_get("/openapi.json", openapi_json)
    add_docs_routes(app)
