"""The one rule for identifiers (tenant, user, persona, conversation and session ids) on every route.

An id is 1 to 128 characters (256 for session and conversation ids, which clients build from a user
id and a time, e.g. `session_{user_id}_{timestamp}`; 100 for livestream viewer ids), not blank, made of
printable characters: letters and digits of any script, marks, punctuation, symbols and spaces. Control
and format characters (NUL, tabs, newlines, bidi overrides, zero-width characters), line separators and
lone surrogates are refused. What clients already send passes: Discord snowflakes, UUIDs, `user_123`,
`my-app`, `youtube:UCxyz`, `hiroaki`, Japanese names. Bodies and query strings answer 422 naming the
field; a header (X-Tenant-ID) answers 400 naming the header.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from aiohttp import web
from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

from bot.api.errors import ApiError

MAX_ID_CHARS = 128
MAX_SESSION_ID_CHARS = 256
MAX_VIEWER_ID_CHARS = 100  # a livestream viewer id; the persona's cube stores it as `platform:viewer_id`
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # controls, format characters, surrogates, line breaks
TENANT_HEADER = "X-Tenant-ID"
CREDENTIAL_HEADERS = ("Authorization", "X-API-Key")
CREDENTIAL_QUERY = ("api_key", "token")
# path parameters that are identifiers, and how long each may be
PATH_IDS = {"tenant_id": MAX_ID_CHARS, "user_id": MAX_ID_CHARS, "memory_id": MAX_ID_CHARS,
            "persona": MAX_ID_CHARS, "conversation_id": MAX_SESSION_ID_CHARS}


def identifier_problem(value: str, max_chars: int = MAX_ID_CHARS) -> str | None:
    """Why `value` is not an acceptable identifier, or None."""
    if not value.strip():
        return "must not be empty or blank"
    if len(value) > max_chars:
        return f"must be at most {max_chars} characters (got {len(value)})"
    for ch in value:
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return (f"must contain only printable characters (letters, digits, punctuation, symbols, spaces); "
                    f"found U+{ord(ch):04X}")
    return None


def check_identifier(value: str, field: str, max_chars: int = MAX_ID_CHARS, *, status: int = 422) -> str:
    """`value` unchanged, or an ApiError naming `field` (422 for bodies and queries, 400 for headers)."""
    problem = identifier_problem(value, max_chars)
    if problem:
        error_type = "ValidationError" if status == 422 else "BadRequest"
        raise ApiError(status, error_type, f"{field} {problem}", field=field)
    return value


def _pydantic(max_chars: int) -> AfterValidator:
    def check(value: str) -> str:
        problem = identifier_problem(value, max_chars)
        if problem:
            raise PydanticCustomError("identifier", problem)
        return value
    return AfterValidator(check)


Identifier = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ID_CHARS), _pydantic(MAX_ID_CHARS)]
SessionIdentifier = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SESSION_ID_CHARS),
                              _pydantic(MAX_SESSION_ID_CHARS)]
ViewerIdentifier = Annotated[str, StringConstraints(min_length=1, max_length=MAX_VIEWER_ID_CHARS),
                             _pydantic(MAX_VIEWER_ID_CHARS)]


def check_request_headers(request: web.Request) -> None:
    """Before authentication: credentials must be text (a bearer token is ASCII), X-Tenant-ID an identifier.

    aiohttp hands non-UTF-8 header bytes over as lone surrogates; the JWT library and the database
    would fail on them with a 500, so they are a 400 naming the header here.
    """
    for name in CREDENTIAL_HEADERS:
        value = request.headers.get(name)
        if value is not None and not value.isascii():
            raise ApiError(400, "BadRequest", f"the {name} header must be ASCII (an API key or a bearer token)",
                           field=name)
    for name in CREDENTIAL_QUERY:
        value = request.query.get(name)
        if value is not None and not value.isascii():
            raise ApiError(400, "BadRequest", f"the {name} query parameter must be ASCII (an API key or a token)",
                           field=name)
    tenant = request.headers.get(TENANT_HEADER)
    if tenant:  # an empty header means no tenant, as it always has
        check_identifier(tenant, TENANT_HEADER, status=400)


def check_path_identifiers(request: web.Request) -> None:
    for name, max_chars in PATH_IDS.items():
        value = request.match_info.get(name)
        if value is not None:
            check_identifier(value, name, max_chars)
