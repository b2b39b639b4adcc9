"""Tables of the Resonant Engine memory API, on their own declarative Base in the engine's database.

Nothing here is ever deleted: the API only appends and closes (completes, decides), so the time axis
of a session stays whole. Enum columns hold the enums' string values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

UUID_LEN = 36


class ResonantBase(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, list[Any]: JSON}


class SessionRow(ResonantBase):
    """A breathing unit: everything else hangs off one session."""

    __tablename__ = "resonant_sessions"
    __table_args__ = (Index("ix_resonant_sessions_user", "user_id", "started_at"),)

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_active: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)


def _session_fk() -> Mapped[str]:
    return mapped_column(String(UUID_LEN), ForeignKey("resonant_sessions.id"), index=True)


def _intent_fk() -> Mapped[str | None]:
    return mapped_column(String(UUID_LEN), ForeignKey("resonant_intents.id"), nullable=True)


class IntentRow(ResonantBase):
    """Breathing phase 1 (intake): what someone wants; may hang under a parent intent."""

    __tablename__ = "resonant_intents"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    session_id: Mapped[str] = _session_fk()
    parent_intent_id: Mapped[str | None] = _intent_fk()
    intent_text: Mapped[str] = mapped_column(Text)
    intent_type: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)


class ResonanceRow(ResonantBase):
    """Breathing phase 2: how the agents resonated, and how strongly."""

    __tablename__ = "resonant_resonances"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    session_id: Mapped[str] = _session_fk()
    intent_id: Mapped[str | None] = _intent_fk()
    state: Mapped[str] = mapped_column(String(16))
    intensity: Mapped[float] = mapped_column(Float)
    agents: Mapped[list[str]] = mapped_column(JSON, default=list)
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    pattern_type: Mapped[str | None] = mapped_column(String(128))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)


class AgentContextRow(ResonantBase):
    """Breathing phase 4 (re-reflection): one version of one agent's context; versions count from 1."""

    __tablename__ = "resonant_agent_contexts"
    __table_args__ = (UniqueConstraint("session_id", "agent_type", "version", name="uq_resonant_context_version"),)

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    session_id: Mapped[str] = _session_fk()
    intent_id: Mapped[str | None] = _intent_fk()
    agent_type: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    context_data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    superseded_by: Mapped[str | None] = mapped_column(String(UUID_LEN))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)


class ChoicePointRow(ResonantBase):
    """Breathing phase 3 (structuring): a question and its choices, kept open until decided."""

    __tablename__ = "resonant_choice_points"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    session_id: Mapped[str] = _session_fk()
    intent_id: Mapped[str] = mapped_column(String(UUID_LEN), ForeignKey("resonant_intents.id"))
    question: Mapped[str] = mapped_column(Text)
    choices: Mapped[list[Any]] = mapped_column(JSON)
    selected_choice_id: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_rationale: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)


class BreathingCycleRow(ResonantBase):
    """One phase of a breath: started, then completed with success or failure."""

    __tablename__ = "resonant_breathing_cycles"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    session_id: Mapped[str] = _session_fk()
    intent_id: Mapped[str | None] = _intent_fk()
    phase: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    phase_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    success: Mapped[bool | None] = mapped_column(Boolean)


class SnapshotRow(ResonantBase):
    """A frozen copy of a whole session at one moment (`snapshot_data`), found by type and tags."""

    __tablename__ = "resonant_snapshots"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    session_id: Mapped[str] = _session_fk()
    snapshot_type: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    snapshot_data: Mapped[dict[str, Any]] = mapped_column(JSON)


class QueryLogRow(ResonantBase):
    """Each POST /query, so a `query_id` handed to a client points at something real."""

    __tablename__ = "resonant_queries"

    id: Mapped[str] = mapped_column(String(UUID_LEN), primary_key=True)
    session_id: Mapped[str] = _session_fk()
    query: Mapped[dict[str, Any]] = mapped_column(JSON)
    executed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    execution_time_ms: Mapped[int] = mapped_column(Integer)
    results_count: Mapped[int] = mapped_column(Integer)


