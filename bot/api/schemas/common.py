"""Shared field types and the error body."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from bot.api.identifiers import Identifier, SessionIdentifier
from memory.json_limits import MAX_DOCUMENT_BYTES, MAX_JSON_BYTES, json_problem
from memory.validation import MAX_CONTENT_CHARS

NOT_BLANK = r"\S"
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_CONTENT_CHARS, pattern=NOT_BLANK)]
QUERY_TEXT_CHARS = 4096  # search text sent in a URL (GET): kept well under the URL limit
QueryText = Annotated[str, StringConstraints(min_length=1, max_length=QUERY_TEXT_CHARS, pattern=NOT_BLANK)]
UserId = Identifier  # every id follows bot.api.identifiers: bounded length, printable characters
TenantId = Identifier
PersonaId = Identifier
SessionId = SessionIdentifier
Name = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NOT_BLANK)]


def _bounded_json(max_bytes: int) -> AfterValidator:
    def check(value: Any) -> Any:
        problem = json_problem(value, max_bytes=max_bytes)
        if problem:
            raise PydanticCustomError("json_bounds", problem)
        return value
    return AfterValidator(check)


Metadata = Annotated[dict[str, Any], _bounded_json(MAX_JSON_BYTES)]  # depth and size: memory.json_limits
JsonDocument = Annotated[dict[str, Any], _bounded_json(MAX_DOCUMENT_BYTES)]


def _to_utc(value: Any) -> Any:
    """Aware in UTC; an offset that pushes it past year 1 or 9999 is the client's to fix, not a 500."""
    if not isinstance(value, datetime):
        return value  # a date: day_start/day_end make it a UTC datetime
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "is outside the years 1-9999 once converted to UTC") from None


UtcDateTime = Annotated[datetime, AfterValidator(_to_utc)]
DateOrTime = Annotated[date | datetime, AfterValidator(_to_utc)]  # one error naming the field, not one per branch


class Request(BaseModel):
    """Request bodies: unknown fields are ignored (clients written for the seeds send only theirs)."""

    model_config = ConfigDict(extra="ignore")


class ClosedRequest(BaseModel):
    """Request bodies whose seed clients send only the declared fields: an unknown one is a 422 naming it and
    the expected ones (a client sending `ai_response` for `ai_message` would otherwise lose the reply)."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    """The unified error body of every route."""

    error: bool = True
    error_type: str = Field(description="ValidationError, NotFoundError, Unauthorized, Forbidden, RateLimitExceeded...")
    message: str
    field: str | None = Field(None, description="The request field to fix, when one is to blame")
    detail: str = Field(description="The same text as `message`, where FastAPI-style clients read it")


class FailedItem(BaseModel):
    index: int
    error: str
    field: str | None = None


def day_start(value: DateOrTime | None) -> datetime | None:
    """A date means its first instant (UTC); a naive datetime is UTC."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        return datetime.combine(value, time.min, tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def day_end(value: DateOrTime | None) -> datetime | None:
    """A date means through its last instant, so `end_date=2024-01-31` includes the 31st."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        return datetime.combine(value, time.max, tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
