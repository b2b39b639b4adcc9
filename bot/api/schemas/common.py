"""Shared field types and the error body."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from memory.validation import MAX_CONTENT_CHARS

NOT_BLANK = r"\S"
Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_CONTENT_CHARS, pattern=NOT_BLANK)]
QUERY_TEXT_CHARS = 4096  # search text sent in a URL (GET): kept well under the URL limit
QueryText = Annotated[str, StringConstraints(min_length=1, max_length=QUERY_TEXT_CHARS, pattern=NOT_BLANK)]
UserId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NOT_BLANK)]
TenantId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NOT_BLANK)]
SessionId = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=NOT_BLANK)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NOT_BLANK)]
Metadata = dict[str, Any]
DateOrTime = date | datetime


class Request(BaseModel):
    """Request bodies: unknown fields are ignored (clients written for the seeds send only theirs)."""

    model_config = ConfigDict(extra="ignore")


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
