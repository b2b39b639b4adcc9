"""How the Resonant routes word a validation error: every bad field named in `detail`, the seed's way.

`field` is the first bad field as the client wrote it (`agents[1]`, `choices[1].id`, `query.type`), and
the message lists each one (`intent_type: Input should be 'feature_request', ...; priority: ...`).
The registry passes request models' errors here (`Api.add(..., invalid=invalid)`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError as PydanticError

from bot.api.errors import ApiError
from bot.resonant.enums import QueryType

_UNION_TAGS = {t.value for t in QueryType}


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


def invalid(exc: PydanticError) -> ApiError:
    """422 naming every bad field, e.g. `intent_type: Input should be 'feature_request', ...`."""
    named = [(_field_name(tuple(e["loc"]), e["type"]), _message(e)) for e in exc.errors()]
    return ApiError(422, "ValidationError", "; ".join(f"{field}: {msg}" for field, msg in named),
                    field=named[0][0] if named else None)
