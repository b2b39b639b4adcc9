"""What the OpenAPI document tells people beyond the models: examples, signed requests, the real-time routes.

`document(spec)` adds to the document `bot.api.openapi.build_spec` made: each operation's request, parameter
and response examples (`bot.api.examples`), an example body for each error status, the request-signing
headers as security schemes, and `x-realtime` (the WebSockets and MCP, which OpenAPI cannot describe).
"""

from __future__ import annotations

from typing import Any

from bot.api.auth.signing import (
    MAX_REQUEST_ID_CHARS,
    MAX_SKEW_SECONDS,
    REQUEST_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
)
from bot.api.errors import body as error_body
from bot.api.examples import EXAMPLES, OpExample
from bot.api.examples.realtime import realtime_doc

SIGNING = ("Optional, as in seed 000's security section: sign each request with the API key and send "
           f"{SIGNATURE_HEADER} (hex HMAC-SHA256, keyed with the API key, of `METHOD|path|body|timestamp`, where "
           "path includes `?query` as sent and body is the body as sent, or `json.dumps(body, sort_keys=True)`), "
           f"{TIMESTAMP_HEADER} (Unix seconds, at most {MAX_SKEW_SECONDS} s from the server clock) and optionally "
           f"{REQUEST_ID_HEADER} (1-{MAX_REQUEST_ID_CHARS} characters), beside the key in X-API-Key. A signed "
           "request is accepted once: a replay gets 409 ReplayedRequest. Keys created with "
           "`require_signature: true` take only signed requests. See docs/api.md, Signed requests.")
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                   "description": "An API key (omo_...): the admin key printed at first start, or one made with "
                                  "POST /admin/api-keys or POST /v1/auth/api-keys. Also accepted as "
                                  "`Authorization: Bearer omo_...`."},
    "BearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                   "description": "A Memory Mesh access token from POST /v1/auth/login."},
    "RequestSignature": {"type": "apiKey", "in": "header", "name": SIGNATURE_HEADER, "description": SIGNING},
    "RequestTimestamp": {"type": "apiKey", "in": "header", "name": TIMESTAMP_HEADER,
                         "description": f"Unix seconds when the request was signed (goes with {SIGNATURE_HEADER})."},
}
# any one of these: a key, a token, or a key with a signature (a requirement's schemes are all sent together)
SECURITY: list[dict[str, list[str]]] = [
    {"ApiKeyAuth": []}, {"BearerAuth": []}, {"ApiKeyAuth": [], "RequestSignature": [], "RequestTimestamp": []}]
ERROR_EXAMPLES: dict[int, tuple[str, str, str | None]] = {
    400: ("BadRequest", "the request body is not valid JSON: Expecting value: line 1 column 1 (char 0)", "body"),
    401: ("Unauthorized", "authentication required: send X-API-Key or Authorization: Bearer <token>", None),
    403: ("Forbidden", "this key may not reach tenant 'other-app'", "tenant_id"),
    404: ("NotFoundError", "memory '550e8400-e29b-41d4-a716-000000000099' not found", "id"),
    409: ("ConflictError", "conversation 'support-42' already exists in tenant 'my-app'", "conversation_id"),
    413: ("PayloadTooLarge", "the request body is larger than 1048576 bytes (API_MAX_BODY_BYTES)", "body"),
    422: ("ValidationError", "top_k: Input should be less than or equal to 1000", "top_k"),
    429: ("RateLimitExceeded", "too many requests; retry after 3 s", None),
}


def document(spec: dict[str, Any]) -> dict[str, Any]:
    spec["components"]["securitySchemes"] = SECURITY_SCHEMES
    spec["security"] = SECURITY
    spec["x-realtime"] = realtime_doc()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            example = EXAMPLES.get(f"{method.upper()} {path}")
            if example is not None:
                _add_examples(op, example)
            _add_error_examples(op, spec["components"]["schemas"])
    return spec


def _named(example: OpExample, value: Any) -> dict[str, Any]:
    named: dict[str, Any] = {"summary": example.summary, "value": value}
    if example.as_user:
        named["description"] = "Sent with a Memory Mesh access token (Authorization: Bearer, from /v1/auth/login)."
    return {"example": named}


def _add_examples(op: dict[str, Any], example: OpExample) -> None:
    if example.as_user:
        op["x-example-as-user"] = True
    for param in op.get("parameters", []):
        if param["name"] in example.params:
            param["example"] = example.params[param["name"]]
    body = op.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None and example.request is not None:
        body["examples"] = _named(example, example.request)
    for status, response in op["responses"].items():
        if status.startswith("2"):
            for media in response.get("content", {}).values():
                media["examples"] = _named(example, example.response)


def _first_field(op: dict[str, Any], schemas: dict[str, Any]) -> str | None:
    """A field of this operation a 422 could name: its first required body field, else its first parameter."""
    ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    ref = ref.get("items", ref).get("$ref", "")
    required = schemas.get(ref.rsplit("/", 1)[-1], {}).get("required", [])
    params = [p["name"] for p in op.get("parameters", [])]
    return required[0] if required else params[0] if params else None


def _add_error_examples(op: dict[str, Any], schemas: dict[str, Any]) -> None:
    for status, response in op["responses"].items():
        code = int(status)
        if code < 400 or code not in ERROR_EXAMPLES:
            continue
        kind, message, field = ERROR_EXAMPLES[code]
        if code == 404:  # name the operation's own path parameter
            names = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
            field = names[-1] if names else field
            message = f"{field} '550e8400-e29b-41d4-a716-000000000099' not found"
        if code == 422 and (named := _first_field(op, schemas)) is not None:
            field, message = named, f"{named}: Field required"
        for media in response.get("content", {}).values():
            media["example"] = error_body(kind, message, field)
