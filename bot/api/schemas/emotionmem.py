"""EmotionMemCore (seed 000): /save, /search, /memories, /batch-save."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from bot.api.schemas.common import (
    ClosedRequest,
    DateOrTime,
    FailedItem,
    Metadata,
    Request,
    SessionId,
    Text,
    UserId,
    day_end,
    day_start,
)
from bot.api.schemas.livestream import ConnectorOut
from memory.emotions.labels import normalize_label


def _labels(values: list[str] | None) -> list[str] | None:
    """Accept keys, English or Japanese names (喜び, joy, Joy); unknown names are a 422 listing valid ones."""
    if values is None:
        return None
    out = []
    for v in values:
        try:
            out.append(normalize_label(v))
        except ValueError as exc:
            raise ValueError(str(exc)) from None
    return list(dict.fromkeys(out))


class SaveRequest(ClosedRequest):
    user_message: Text
    ai_message: str | None = Field(None, max_length=100_000)
    user_id: UserId
    session_id: SessionId | None = None
    metadata: Metadata | None = None


class SaveResponse(BaseModel):
    status: str = "success"
    memory_id: str
    summary: str
    emotions: list[str] = Field(description="Emotion names (Japanese by default, API_EMOTION_NAMES)")
    timestamp: datetime
    user_id: str
    session_id: str | None
    deduplicated: bool = Field(description="True when an almost identical memory was reinforced instead")


class SearchRequest(ClosedRequest):
    query: Text
    user_id: UserId
    top_k: int = Field(5, ge=1, le=1000)
    emotions: list[str] | None = Field(None, max_length=32, description="Any of these emotions (喜び or joy)")
    start_date: DateOrTime | None = None
    end_date: DateOrTime | None = None

    @field_validator("emotions")
    @classmethod
    def _check_emotions(cls, v: list[str] | None) -> list[str] | None:
        return _labels(v)

    @model_validator(mode="after")
    def _dates_in_order(self) -> SearchRequest:
        start, end = day_start(self.start_date), day_end(self.end_date)
        if start is not None and end is not None and start > end:
            raise ValueError("start_date must not be later than end_date")
        return self


class MemoryResult(BaseModel):
    memory_id: str
    summary: str
    emotions: list[str]
    timestamp: datetime
    score: float | None = Field(None, description="Calibrated similarity 0..1 (search only)")
    user_message: str | None
    ai_message: str | None
    user_id: str | None
    session_id: str | None
    metadata: dict[str, Any]


class SearchResponse(BaseModel):
    results: list[MemoryResult]
    total_results: int
    query: str


class MemoriesQuery(Request):
    user_id: UserId
    limit: int = Field(10, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000_000)
    emotions: str | None = Field(None, max_length=1000, description="Comma-separated emotion names")

    @field_validator("emotions")
    @classmethod
    def _check(cls, v: str | None) -> str | None:
        if v is None:
            return None
        parts = [p.strip() for p in v.split(",") if p.strip()]
        return ",".join(_labels(parts) or []) or None


class MemoriesResponse(BaseModel):
    memories: list[MemoryResult]
    total: int
    limit: int
    offset: int


class BatchSaveResponse(BaseModel):
    total_requested: int
    successful_saves: int
    failed_saves: int
    failed_items: list[FailedItem]
    memory_ids: list[str]


class HealthResponse(BaseModel):
    status: str
    service: str
    embedding_model: str
    embedding_dim: int
    cubes: int
    uptime_seconds: float
    live_connectors: list[ConnectorOut] = Field(
        default_factory=list, description="Live chat connectors (LIVE_YOUTUBE / LIVE_TWITCH) and their state")
    discord: dict[str, Any] | None = Field(
        None, description="The Discord connection: configured, state, connected, shards, latency_ms, last_error...")
