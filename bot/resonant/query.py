"""POST /query: a typed filter over one session's intents, resonances or choice points.

Unknown filter keys are refused (422) rather than ignored, so a misspelt filter never silently returns
everything.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from bot.resonant.enums import ChoiceStatus, IntentStatus, IntentType, ResonanceState
from bot.resonant.lookups import list_for_session
from bot.resonant.models import ChoicePointRow, IntentRow, ResonanceRow
from bot.resonant.views import ChoicePointOut, IntentOut, ResonanceOut


class IntentsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["intents"]
    status: IntentStatus | None = None
    intent_type: IntentType | None = None


class ResonancesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["resonances"]
    state: ResonanceState | None = None
    pattern_type: str | None = None
    min_intensity: float | None = Field(None, ge=0.0, le=1.0)


class ChoicePointsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["choice_points"]
    status: ChoiceStatus | None = None


QuerySpec = Annotated[IntentsQuery | ResonancesQuery | ChoicePointsQuery, Field(discriminator="type")]


async def run_query(s: AsyncSession, session_id: str, spec: QuerySpec) -> list[dict[str, Any]]:
    """Results in the same JSON shape the list routes use for that kind of record, oldest first."""
    if isinstance(spec, IntentsQuery):
        where: list[ColumnElement[bool]] = []
        if spec.status is not None:
            where.append(IntentRow.status == spec.status.value)
        if spec.intent_type is not None:
            where.append(IntentRow.intent_type == spec.intent_type.value)
        rows = await list_for_session(s, IntentRow, session_id, IntentRow.created_at, *where)
        return [IntentOut.from_row(r).model_dump(mode="json") for r in rows]
    if isinstance(spec, ResonancesQuery):
        where = []
        if spec.state is not None:
            where.append(ResonanceRow.state == spec.state.value)
        if spec.pattern_type is not None:
            where.append(ResonanceRow.pattern_type == spec.pattern_type)
        if spec.min_intensity is not None:
            where.append(ResonanceRow.intensity >= spec.min_intensity)
        res = await list_for_session(s, ResonanceRow, session_id, ResonanceRow.timestamp, *where)
        return [ResonanceOut.from_row(r).model_dump(mode="json") for r in res]
    where = []
    if spec.status is ChoiceStatus.PENDING:
        where.append(ChoicePointRow.selected_choice_id.is_(None))
    elif spec.status is ChoiceStatus.DECIDED:
        where.append(ChoicePointRow.selected_choice_id.is_not(None))
    cps = await list_for_session(s, ChoicePointRow, session_id, ChoicePointRow.created_at, *where)
    return [ChoicePointOut.from_row(r).model_dump(mode="json") for r in cps]
