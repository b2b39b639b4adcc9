"""Parameters and results of the six tools (seed 003), as pydantic models.

The field names, defaults and bounds are the seed's; the descriptions are written for a model that
reads them in a tool schema. The HTTP routes validate request bodies with the same models.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from bot.api.schemas.common import Metadata, Request, SessionId, Text, UserId, UtcDateTime

TierName = Literal["short_term", "long_term", "working"]
ContentTypeName = Literal["text", "image", "code", "json", "yaml"]
MemoryId = SessionId
TagList = list[str]
TIER_HELP = ("long_term: lasting facts (preferences, names, plans); short_term: expires after ttl_seconds; "
             "working: scratch notes for the task at hand")


class StoreParams(Request):
    """Save a memory entry; its embedding is computed automatically."""

    content: Text = Field(description="What to remember, as one self-contained sentence in the user's language "
                                      "(e.g. 'ユーザーの猫の名前はモチ')")
    content_type: ContentTypeName = Field("text", description="Content type")
    memory_tier: TierName = Field("long_term", description=TIER_HELP)
    tags: TagList = Field(default_factory=list, max_length=64,
                          description="Short lowercase tags to find it again, e.g. ['pets', 'preferences']")
    metadata: Metadata = Field(default_factory=dict, description="Extra metadata (e.g. {'source': 'chat'})")
    agent_id: UserId | None = Field(None, description="The agent storing it")
    ttl_seconds: int | None = Field(None, ge=0, le=10 * 365 * 86400,
                                    description="Time to live in seconds (short_term; default one day)")


class SearchParams(Request):
    """Semantic similarity search."""

    query: Text = Field(description="What you want to recall, in natural language, any language "
                                    "(e.g. '好きな食べ物', 'the user's pets')")
    top_k: int = Field(10, ge=1, le=1000, description="Maximum results")
    memory_tier: TierName | None = Field(None, description="Only this tier")
    tags: TagList | None = Field(None, max_length=64, description="Only memories with all these tags")
    content_type: ContentTypeName | None = Field(None, description="Only this content type")
    min_similarity: float = Field(0.0, ge=0.0, le=1.0,
                                  description="Minimum similarity 0.0-1.0 (0.5 keeps probable matches)")


class GetParams(Request):
    """Fetch one memory by id."""

    id: MemoryId = Field(description="Memory id (UUID) from a search or list result")


class UpdateParams(Request):
    """Update a memory: content re-embeds, tags replace, metadata merges, tier moves."""

    id: MemoryId = Field(description="Memory id to update")
    content: Text | None = Field(None, description="New content (re-embedded)")
    tags: TagList | None = Field(None, max_length=64, description="New tag list (replaces)")
    metadata: Metadata | None = Field(None, description="Metadata to merge in")
    memory_tier: TierName | None = Field(None, description="New tier (promote/demote)")


class DeleteParams(Request):
    """Delete by id, ids, tier or age (at least one condition)."""

    id: MemoryId | None = Field(None, description="One memory id")
    ids: list[MemoryId] | None = Field(None, max_length=1000, description="Several memory ids")
    memory_tier: TierName | None = Field(None, description="Every memory of this tier")
    older_than: UtcDateTime | None = Field(None, description="Memories created before this time (ISO 8601)")


class ListParams(Request):
    """List memories with filters and pagination, newest first."""

    memory_tier: TierName | None = Field(None, description="Only this tier")
    tags: TagList | None = Field(None, max_length=64, description="Only memories with all these tags")
    content_type: ContentTypeName | None = Field(None, description="Only this content type")
    created_after: UtcDateTime | None = Field(None, description="Created at or after (ISO 8601)")
    created_before: UtcDateTime | None = Field(None, description="Created at or before (ISO 8601)")
    limit: int = Field(50, ge=1, le=1000, description="Maximum results (up to 1000)")
    offset: int = Field(0, ge=0, le=1_000_000_000, description="Pagination offset")


class StoreResult(BaseModel):
    id: str
    content: str
    memory_tier: str
    created_at: datetime


class SearchItem(BaseModel):
    id: str
    content: str
    similarity: float
    memory_tier: str
    tags: list[str]
    created_at: datetime


class SearchResult(BaseModel):
    results: list[SearchItem]
    total: int


class GetResult(BaseModel):
    id: str
    content: str
    content_type: str
    memory_tier: str
    tags: list[str]
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None


class UpdateResult(BaseModel):
    id: str
    updated: bool
    updated_at: datetime


class DeleteResult(BaseModel):
    deleted_count: int
    deleted_ids: list[str]


class ListItem(BaseModel):
    id: str
    content: str
    content_type: str
    memory_tier: str
    tags: list[str]
    created_at: datetime


class ListResult(BaseModel):
    memories: list[ListItem]
    total: int
    limit: int
    offset: int
