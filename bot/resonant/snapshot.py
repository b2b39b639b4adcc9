"""snapshot_data (the whole session now, in the API's JSON shapes plus each record's metadata), and the
restore points: a file snapshot of the whole store (`memory.snapshots`, kind `resonant`) taken with the
Resonant snapshots whose type says a rollback may be wanted (RESTORE_POINT_TYPES).

snapshot_data is stored as one JSON document in the snapshot row, so later writes never change it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.resonant.enums import SnapshotType
from bot.resonant.lookups import list_for_session
from bot.resonant.models import AgentContextRow, BreathingCycleRow, ChoicePointRow, IntentRow, ResonanceRow, SessionRow
from bot.resonant.views import ChoicePointOut, ContextOut, CycleOut, IntentOut, ResonanceOut, SessionOut
from memory.snapshots import prune_snapshots, snapshot_engine, snapshots_root

if TYPE_CHECKING:
    from config import Settings
    from memory.engine import MemoryEngine

log = logging.getLogger(__name__)
RESTORE_POINT_TYPES = frozenset({SnapshotType.PRE_MAJOR_CHANGE, SnapshotType.CRISIS_POINT})
FILE_SNAPSHOT_KEY = "file_snapshot"  # in snapshot_data: the restore point's folder name (or null if it failed)
FILE_SNAPSHOT_KIND = "resonant"
FileSnapshot = Callable[[str, Sequence[str]], Awaitable[str]]  # (description, tags) -> snapshot folder name


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


def file_snapshots(engine: MemoryEngine, settings: Settings) -> FileSnapshot:
    """Restore points through the same machinery as the snapshot job and `python -m bot snapshot`:
    a consistent copy of the database and indexes into DATA_DIR/snapshots, then the same retention."""

    async def take(description: str, tags: Sequence[str]) -> str:
        info = await snapshot_engine(engine, kind=FILE_SNAPSHOT_KIND, description=description, tags=tags)
        await asyncio.to_thread(prune_snapshots, snapshots_root(settings.data_dir), settings.snapshot_keep_count,
                                settings.snapshot_keep_days)
        return info.name

    return take
