"""Request models of the Resonant Engine API (`/api/memory`): they validate bodies and query strings,
and the response models (re-exported from bot.resonant.views) document the answers.

Ids are UUIDs; enum fields take exactly the values the API document lists.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from bot.api.schemas.common import JsonDocument, Metadata, UserId
from bot.resonant.enums import AgentType, BreathingPhase, IntentStatus, IntentType, ResonanceState, SnapshotType
from bot.resonant.query import ChoicePointsQuery, IntentsQuery, QuerySpec, ResonancesQuery
from bot.resonant.views import (
    AllContexts,
    Choice,
    ChoicePointList,
    ChoicePointOut,
    ContextOut,
    ContinueOut,
    CycleList,
    CycleOut,
    HealthOut,
    IntentList,
    IntentOut,
    QueryResult,
    ResonanceList,
    ResonanceOut,
    SessionDetailOut,
    SessionOut,
    SnapshotDataOut,
    SnapshotList,
    SnapshotOut,
)
from memory.json_limits import json_problem

__all__ = [
    "AllContexts", "ChoicePointList", "ChoicePointOut", "ChoicePointsQuery", "CompleteCycleRequest",
    "CompleteIntentRequest", "ContextLatestQuery", "ContextOut", "ContinueOut", "CreateChoicePointRequest",
    "CreateIntentRequest", "CreateResonanceRequest", "CreateSessionRequest", "CreateSnapshotRequest", "CycleList",
    "ChoicePointPath", "CyclePath", "CycleOut", "DecideChoiceRequest", "HealthOut", "IntentList", "IntentListQuery",
    "IntentOut", "IntentPath", "IntentsQuery",
    "QueryRequest", "QueryResult", "ResonanceList", "ResonanceListQuery", "ResonanceOut", "ResonancesQuery",
    "SaveContextRequest", "SessionDetailOut", "SessionOut", "SessionPath", "SessionQuery", "SnapshotDataOut",
    "SnapshotList", "SnapshotListQuery", "SnapshotOut", "SnapshotPath", "StartCycleRequest",
]

class _Body(BaseModel):
    """Unknown fields are ignored, as the original API did; NaN and infinities are never numbers."""

    model_config = ConfigDict(allow_inf_nan=False)


# -- sessions -------------------------------------------------------------------------------------
class CreateSessionRequest(_Body):
    user_id: UserId
    metadata: Metadata = Field(default_factory=dict)


# -- intents --------------------------------------------------------------------------------------
class CreateIntentRequest(_Body):
    session_id: UUID
    parent_intent_id: UUID | None = None
    intent_text: str = Field(min_length=1)
    intent_type: IntentType
    priority: int = Field(0, ge=0, le=10)
    metadata: Metadata = Field(default_factory=dict)


class CompleteIntentRequest(_Body):
    outcome: JsonDocument


# -- resonances -----------------------------------------------------------------------------------
class CreateResonanceRequest(_Body):
    session_id: UUID
    intent_id: UUID | None = None
    state: ResonanceState
    intensity: float = Field(ge=0.0, le=1.0)
    agents: list[AgentType] = Field(min_length=1)
    pattern_type: str | None = Field(None, max_length=128)
    duration_ms: int | None = Field(None, ge=0)
    metadata: Metadata = Field(default_factory=dict)


# -- agent contexts -------------------------------------------------------------------------------
class SaveContextRequest(_Body):
    session_id: UUID
    intent_id: UUID | None = None
    agent_type: AgentType
    context_data: JsonDocument
    metadata: Metadata = Field(default_factory=dict)


# -- choice points --------------------------------------------------------------------------------
class CreateChoicePointRequest(_Body):
    session_id: UUID
    intent_id: UUID
    question: str = Field(min_length=1)
    choices: list[Choice] = Field(min_length=2, description="At least two, with distinct ids.")
    metadata: Metadata = Field(default_factory=dict)

    @field_validator("choices")
    @classmethod
    def _distinct_ids(cls, choices: list[Choice]) -> list[Choice]:
        seen: set[str] = set()
        for i, c in enumerate(choices):
            if problem := json_problem(c.implications):
                raise ValueError(f"choices[{i}].implications {problem}")
            if c.id in seen:
                raise ValueError(f"choice ids must be distinct; {c.id!r} appears twice")
            seen.add(c.id)
        return choices


class DecideChoiceRequest(_Body):
    selected_choice_id: str = Field(min_length=1)
    decision_rationale: str | None = None


# -- breathing cycles -----------------------------------------------------------------------------
class StartCycleRequest(_Body):
    session_id: UUID
    intent_id: UUID | None = None
    phase: BreathingPhase
    phase_data: JsonDocument = Field(default_factory=dict)


class CompleteCycleRequest(_Body):
    success: bool
    phase_data: JsonDocument = Field(default_factory=dict)


# -- snapshots ------------------------------------------------------------------------------------
class CreateSnapshotRequest(_Body):
    session_id: UUID
    snapshot_type: SnapshotType
    description: str | None = None
    tags: list[str] = Field(default_factory=list)

    @field_validator("tags")
    @classmethod
    def _no_blank_tags(cls, tags: list[str]) -> list[str]:
        if any(not t.strip() for t in tags):
            raise ValueError("tags must not be blank")
        return tags


# -- query ----------------------------------------------------------------------------------------
class QueryRequest(_Body):
    session_id: UUID
    query: QuerySpec


# -- query strings --------------------------------------------------------------------------------
class SessionQuery(_Body):
    session_id: UUID


class IntentListQuery(SessionQuery):
    status: IntentStatus | None = None


class ResonanceListQuery(SessionQuery):
    state: ResonanceState | None = None


class ContextLatestQuery(SessionQuery):
    agent_type: AgentType


def _split_commas(value: Any) -> Any:
    """`tags=a&tags=b` and `tags=a,b` mean the same; blanks between commas are dropped."""
    if not isinstance(value, list):
        return value
    return [part.strip() for item in value for part in (item.split(",") if isinstance(item, str) else [item])
            if not isinstance(part, str) or part.strip()]


class SnapshotListQuery(SessionQuery):
    tags: Annotated[list[str], BeforeValidator(_split_commas)] = Field(
        default_factory=list, description="Repeat `tags=` or separate with commas; a snapshot must carry every "
                                          "tag given.")


# -- path parameters ------------------------------------------------------------------------------
class SessionPath(BaseModel):
    session_id: UUID


class IntentPath(BaseModel):
    intent_id: UUID


class ChoicePointPath(BaseModel):
    choice_point_id: UUID


class CyclePath(BaseModel):
    cycle_id: UUID


class SnapshotPath(BaseModel):
    snapshot_id: UUID
