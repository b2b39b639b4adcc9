"""snapshot_data: the whole session as it is now, in the API's JSON shapes plus each record's metadata.

Stored as one JSON document in the snapshot row, so later writes to the session never change it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.resonant.models import (AgentContextRow, BreathingCycleRow, ChoicePointRow, IntentRow, ResonanceRow,
                                 SessionRow)
from bot.resonant.store import list_for_session
from bot.resonant.views import ChoicePointOut, ContextOut, CycleOut, IntentOut, ResonanceOut, SessionOut


async def collect(s: AsyncSession, session: SessionRow) -> dict[str, Any]:
    sid = session.id
    intents = await list_for_session(s, IntentRow, sid, IntentRow.created_at)
    resonances = await list_for_session(s, ResonanceRow, sid, ResonanceRow.timestamp)
    contexts = await list_for_session(s, AgentContextRow, sid, AgentContextRow.created_at)
    choice_points = await list_for_session(s, ChoicePointRow, sid, ChoicePointRow.created_at)
    cycles = await list_for_session(s, BreathingCycleRow, sid, BreathingCycleRow.started_at)
    return {
        "session": {**SessionOut.from_row(session).model_dump(mode="json"), "metadata": session.meta},
        "intents": [{**IntentOut.from_row(r).model_dump(mode="json"), "metadata": r.meta} for r in intents],
        "resonances": [{**ResonanceOut.from_row(r).model_dump(mode="json"), "metadata": r.meta}
                       for r in resonances],
        "agent_contexts": [{**ContextOut.from_row(r).model_dump(mode="json"), "superseded_by": r.superseded_by,
                            "metadata": r.meta} for r in contexts],
        "choice_points": [{**ChoicePointOut.from_row(r).model_dump(mode="json"), "metadata": r.meta}
                          for r in choice_points],
        "breathing_cycles": [CycleOut.from_row(r).model_dump(mode="json") for r in cycles],
    }
