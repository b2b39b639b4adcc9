"""The Resonant Engine's vocabularies, spelled exactly as its API document spells them."""

from __future__ import annotations

from enum import StrEnum


class SessionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    ARCHIVED = "archived"


class IntentType(StrEnum):
    FEATURE_REQUEST = "feature_request"
    BUG_FIX = "bug_fix"
    EXPLORATION = "exploration"
    CLARIFICATION = "clarification"
    OPTIMIZATION = "optimization"
    REFACTORING = "refactoring"
    DOCUMENTATION = "documentation"
    TESTING = "testing"


class IntentStatus(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    DEFERRED = "deferred"


class ResonanceState(StrEnum):
    ALIGNED = "aligned"
    CONFLICTED = "conflicted"
    CONVERGING = "converging"
    EXPLORING = "exploring"
    DIVERGING = "diverging"


class AgentType(StrEnum):
    """The three layers: yuno thinks, kana translates to the outside world, tsumu implements."""

    YUNO = "yuno"
    KANA = "kana"
    TSUMU = "tsumu"


class ChoiceStatus(StrEnum):
    """A choice point is pending until a choice is selected; it is never forced."""

    PENDING = "pending"
    DECIDED = "decided"


class BreathingPhase(StrEnum):
    """The six phases of one breath, in order."""

    INTAKE = "intake"
    RESONANCE = "resonance"
    STRUCTURING = "structuring"
    RE_REFLECTION = "re_reflection"
    IMPLEMENTATION = "implementation"
    RESONANCE_EXPANSION = "resonance_expansion"


class SnapshotType(StrEnum):
    MANUAL = "manual"
    AUTO_HOURLY = "auto_hourly"
    PRE_MAJOR_CHANGE = "pre_major_change"
    CRISIS_POINT = "crisis_point"
    MILESTONE = "milestone"


class QueryType(StrEnum):
    """What POST /query can look for."""

    INTENTS = "intents"
    RESONANCES = "resonances"
    CHOICE_POINTS = "choice_points"
