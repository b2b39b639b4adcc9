"""What the API hands back: one pydantic model per shape in the Resonant Engine API document.

The service returns these, the routes dump them, and snapshots store their JSON form, so a field has
one spelling everywhere. Timestamps are UTC and serialise as ISO 8601 with a `Z`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from bot.resonant.enums import (
    AgentType,
    BreathingPhase,
    ChoiceStatus,
    IntentStatus,
    IntentType,
    ResonanceState,
    SessionStatus,
    SnapshotType,
)
from bot.resonant.models import (
    AgentContextRow,
    BreathingCycleRow,
    ChoicePointRow,
    IntentRow,
    ResonanceRow,
    SessionRow,
    SnapshotRow,
)
from memory.clock import as_utc
from memory.json_limits import MAX_JSON_DEPTH, readable_json


class HealthOut(BaseModel):
    status: str = "healthy"
    version: str = "1.0.0"
    service: str = "memory_management"


class SessionOut(BaseModel):
    session_id: str
    user_id: str
    started_at: datetime
    last_active: datetime
    status: SessionStatus

    @classmethod
    def from_row(cls, row: SessionRow) -> SessionOut:
        return cls(session_id=row.id, user_id=row.user_id, started_at=as_utc(row.started_at),
                   last_active=as_utc(row.last_active), status=SessionStatus(row.status))


class SessionSummary(BaseModel):
    total_intents: int
    completed_intents: int
    resonance_events: int
    choice_points: int
    breathing_cycles: int
    avg_intensity: float = Field(description="Mean intensity of the session's resonances; 0.0 when there are none.")


class SessionDetailOut(SessionOut):
    summary: SessionSummary


class IntentOut(BaseModel):
    intent_id: str
    session_id: str
    parent_intent_id: str | None
    intent_text: str
    intent_type: IntentType
    priority: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    status: IntentStatus
    outcome: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: IntentRow) -> IntentOut:
        return cls(intent_id=row.id, session_id=row.session_id, parent_intent_id=row.parent_intent_id,
                   intent_text=row.intent_text, intent_type=IntentType(row.intent_type), priority=row.priority,
                   created_at=as_utc(row.created_at), updated_at=as_utc(row.updated_at),
                   completed_at=as_utc(row.completed_at), status=IntentStatus(row.status),
                   outcome=readable_json(row.outcome, f"outcome of intent {row.id}"))


class IntentList(BaseModel):
    intents: list[IntentOut]
    total: int


class ResonanceOut(BaseModel):
    resonance_id: str
    session_id: str
    intent_id: str | None
    state: ResonanceState
    intensity: float
    agents: list[AgentType]
    timestamp: datetime
    duration_ms: int | None
    pattern_type: str | None

    @classmethod
    def from_row(cls, row: ResonanceRow) -> ResonanceOut:
        return cls(resonance_id=row.id, session_id=row.session_id, intent_id=row.intent_id,
                   state=ResonanceState(row.state), intensity=row.intensity,
                   agents=[AgentType(a) for a in row.agents], timestamp=as_utc(row.timestamp),
                   duration_ms=row.duration_ms, pattern_type=row.pattern_type)


class ResonanceList(BaseModel):
    resonances: list[ResonanceOut]
    total: int
    avg_intensity: float = Field(description="Mean intensity of the listed resonances; 0.0 when none.")


class ContextOut(BaseModel):
    context_id: str
    session_id: str
    intent_id: str | None
    agent_type: AgentType
    version: int
    context_data: dict[str, Any]
    created_at: datetime

    @classmethod
    def from_row(cls, row: AgentContextRow) -> ContextOut:
        return cls(context_id=row.id, session_id=row.session_id, intent_id=row.intent_id,
                   agent_type=AgentType(row.agent_type), version=row.version,
                   context_data=readable_json(row.context_data, f"context_data of context {row.id}"),
                   created_at=as_utc(row.created_at))


class AllContexts(BaseModel):
    contexts: dict[AgentType, dict[str, Any]] = Field(
        description="Each agent's latest context_data; agents without a saved context are absent.")


class Choice(BaseModel):
    id: str = Field(min_length=1, max_length=256)
    description: str
    implications: dict[str, Any] = Field(default_factory=dict)


class ChoicePointOut(BaseModel):
    choice_point_id: str
    session_id: str
    intent_id: str
    question: str
    choices: list[Choice]
    selected_choice_id: str | None
    created_at: datetime
    decided_at: datetime | None
    decision_rationale: str | None
    status: ChoiceStatus

    @classmethod
    def from_row(cls, row: ChoicePointRow) -> ChoicePointOut:
        status = ChoiceStatus.PENDING if row.selected_choice_id is None else ChoiceStatus.DECIDED
        where = f"choices of choice point {row.id}"
        choices = [Choice.model_validate(readable_json(c, where, 1 + MAX_JSON_DEPTH)) for c in row.choices]
        return cls(choice_point_id=row.id, session_id=row.session_id, intent_id=row.intent_id,
                   question=row.question, choices=choices,
                   selected_choice_id=row.selected_choice_id, created_at=as_utc(row.created_at),
                   decided_at=as_utc(row.decided_at), decision_rationale=row.decision_rationale, status=status)


class ChoicePointList(BaseModel):
    choice_points: list[ChoicePointOut]
    total: int


class CycleOut(BaseModel):
    cycle_id: str
    session_id: str
    intent_id: str | None
    phase: BreathingPhase
    started_at: datetime
    completed_at: datetime | None
    phase_data: dict[str, Any]
    success: bool | None

    @classmethod
    def from_row(cls, row: BreathingCycleRow) -> CycleOut:
        return cls(cycle_id=row.id, session_id=row.session_id, intent_id=row.intent_id,
                   phase=BreathingPhase(row.phase), started_at=as_utc(row.started_at),
                   completed_at=as_utc(row.completed_at), success=row.success,
                   phase_data=readable_json(row.phase_data, f"phase_data of cycle {row.id}"))


class CycleList(BaseModel):
    cycles: list[CycleOut]
    total: int


class SnapshotOut(BaseModel):
    snapshot_id: str
    session_id: str
    snapshot_type: SnapshotType
    created_at: datetime
    description: str | None
    tags: list[str]

    @classmethod
    def from_row(cls, row: SnapshotRow) -> SnapshotOut:
        return cls(snapshot_id=row.id, session_id=row.session_id, snapshot_type=SnapshotType(row.snapshot_type),
                   created_at=as_utc(row.created_at), description=row.description, tags=list(row.tags))


class SnapshotList(BaseModel):
    snapshots: list[SnapshotOut]
    total: int


class SnapshotDataOut(SnapshotOut):
    snapshot_data: dict[str, Any] = Field(
        description="session, intents, resonances, agent_contexts (every version), choice_points, breathing_cycles "
                    "as they were when the snapshot was taken; each record also carries its metadata. "
                    "pre_major_change and crisis_point snapshots add file_snapshot: the restore point of the whole "
                    "store (`python -m bot restore <file_snapshot>`), null if it could not be taken.")


class ContinueOut(BaseModel):
    session: SessionOut
    agent_contexts: dict[AgentType, dict[str, Any]]
    pending_choices: list[ChoicePointOut]
    last_intent: IntentOut | None
    current_breathing_phase: CycleOut | None = Field(
        description="The most recently started breathing cycle that is not completed yet, if any.")


class QueryResult(BaseModel):
    query_id: str
    results: list[dict[str, Any]]
    count: int
    execution_time_ms: int
