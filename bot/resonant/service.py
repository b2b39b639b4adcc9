"""ResonantService: the Resonant Engine memory API's logic, one short database session per call.

Writes go through one lock: SQLite takes one writer anyway, and the read-then-write steps (the next
context version, completing once, deciding once) must not interleave. Reads never take the lock.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.resonant.enums import (
    AgentType,
    BreathingPhase,
    IntentStatus,
    IntentType,
    ResonanceState,
    SessionStatus,
    SnapshotType,
)
from bot.resonant.errors import NotFoundError, StateError, ValidationError
from bot.resonant.lookups import (
    avg_intensity,
    count,
    insertion_order,
    list_for_session,
    mean_or_zero,
    require,
    require_intent_in,
    require_session,
    touch,
)
from bot.resonant.models import (
    AgentContextRow,
    BreathingCycleRow,
    ChoicePointRow,
    IntentRow,
    QueryLogRow,
    ResonanceRow,
    SessionRow,
    SnapshotRow,
)
from bot.resonant.query import QuerySpec, run_query
from bot.resonant.snapshot import FILE_SNAPSHOT_KEY, RESTORE_POINT_TYPES, FileSnapshot, collect
from bot.resonant.views import (
    AllContexts,
    Choice,
    ChoicePointList,
    ChoicePointOut,
    ContextOut,
    ContinueOut,
    CycleList,
    CycleOut,
    IntentList,
    IntentOut,
    QueryResult,
    ResonanceList,
    ResonanceOut,
    SessionDetailOut,
    SessionOut,
    SessionSummary,
    SnapshotDataOut,
    SnapshotList,
    SnapshotOut,
)
from memory.clock import utcnow
from memory.errors import OmoideError
from memory.json_limits import MAX_JSON_DEPTH, readable_json

log = logging.getLogger(__name__)


def _new_id() -> str:
    return str(uuid.uuid4())


class ResonantService:
    """Built on the bot's store (`services.store.db`, bot.store); the tables come from the migrations
    (`BotStore.ensure_schema`)."""

    def __init__(self, db: AsyncEngine, file_snapshot: FileSnapshot | None = None) -> None:
        self.sessions = async_sessionmaker(db, expire_on_commit=False)
        self._write = asyncio.Lock()
        self.file_snapshot = file_snapshot  # restore points (bot.resonant.snapshot); None: JSON snapshots only

    # -- sessions ---------------------------------------------------------------------------------
    async def create_session(self, user_id: str, metadata: dict[str, Any]) -> SessionOut:
        now = utcnow()
        row = SessionRow(id=_new_id(), user_id=user_id, started_at=now, last_active=now,
                         status=SessionStatus.ACTIVE.value, meta=metadata)
        async with self._write, self.sessions.begin() as s:
            s.add(row)
        return SessionOut.from_row(row)

    async def get_session(self, session_id: str) -> SessionDetailOut:
        async with self.sessions() as s:
            row = await require_session(s, session_id)
            summary = SessionSummary(
                total_intents=await count(s, IntentRow, session_id),
                completed_intents=await count(s, IntentRow, session_id,
                                              IntentRow.status == IntentStatus.COMPLETED.value),
                resonance_events=await count(s, ResonanceRow, session_id),
                choice_points=await count(s, ChoicePointRow, session_id),
                breathing_cycles=await count(s, BreathingCycleRow, session_id),
                avg_intensity=await avg_intensity(s, session_id),
            )
        return SessionDetailOut(**SessionOut.from_row(row).model_dump(), summary=summary)

    async def heartbeat(self, session_id: str) -> SessionOut:
        async with self._write, self.sessions.begin() as s:
            row = await require_session(s, session_id)
            touch(row, utcnow())
        return SessionOut.from_row(row)

    async def continue_session(self, session_id: str) -> ContinueOut:
        """Reactivate a session and hand back what is needed to pick it up where it stopped."""
        async with self._write, self.sessions.begin() as s:
            row = await require_session(s, session_id)
            row.status = SessionStatus.ACTIVE.value
            touch(row, utcnow())
        async with self.sessions() as s:
            contexts = await self._latest_contexts(s, session_id)
            pending = await self._pending(s, session_id)
            last = await s.scalar(select(IntentRow).where(IntentRow.session_id == session_id)
                                  .order_by(IntentRow.created_at.desc(), insertion_order(s, IntentRow).desc()).limit(1))
            current = await s.scalar(select(BreathingCycleRow)
                                     .where(BreathingCycleRow.session_id == session_id,
                                            BreathingCycleRow.completed_at.is_(None))
                                     .order_by(BreathingCycleRow.started_at.desc()).limit(1))
        return ContinueOut(session=SessionOut.from_row(row),
                           agent_contexts={AgentType(r.agent_type): ContextOut.from_row(r).context_data
                                           for r in contexts},
                           pending_choices=[ChoicePointOut.from_row(c) for c in pending],
                           last_intent=IntentOut.from_row(last) if last else None,
                           current_breathing_phase=CycleOut.from_row(current) if current else None)

    # -- intents (phase 1: intake) ----------------------------------------------------------------
    async def create_intent(self, session_id: str, intent_text: str, intent_type: IntentType, *,
                            parent_intent_id: str | None, priority: int, metadata: dict[str, Any]) -> IntentOut:
        now = utcnow()
        async with self._write, self.sessions.begin() as s:
            session = await require_session(s, session_id)
            await require_intent_in(s, parent_intent_id, session_id, "parent_intent_id")
            row = IntentRow(id=_new_id(), session_id=session_id, parent_intent_id=parent_intent_id,
                            intent_text=intent_text, intent_type=intent_type.value, priority=priority,
                            created_at=now, updated_at=now, completed_at=None, status=IntentStatus.PENDING.value,
                            outcome=None, meta=metadata)
            s.add(row)
            touch(session, now)
        return IntentOut.from_row(row)

    async def list_intents(self, session_id: str, status: IntentStatus | None) -> IntentList:
        async with self.sessions() as s:
            await require_session(s, session_id)
            where = [IntentRow.status == status.value] if status else []
            rows = await list_for_session(s, IntentRow, session_id, IntentRow.created_at, *where)
        return IntentList(intents=[IntentOut.from_row(r) for r in rows], total=len(rows))

    async def complete_intent(self, intent_id: str, outcome: dict[str, Any]) -> IntentOut:
        now = utcnow()
        async with self._write, self.sessions.begin() as s:
            row = await require(s, IntentRow, intent_id, "intent", "intent_id")
            if row.status == IntentStatus.COMPLETED.value:
                raise StateError(f"intent {intent_id} was already completed at {row.completed_at}; "
                                 "its outcome is kept as recorded", field="intent_id")
            row.status, row.outcome, row.completed_at, row.updated_at = IntentStatus.COMPLETED.value, outcome, now, now
            touch(await require_session(s, row.session_id), now)
        return IntentOut.from_row(row)

    # -- resonances (phase 2) ---------------------------------------------------------------------
    async def create_resonance(self, session_id: str, state: ResonanceState, intensity: float,
                               agents: Sequence[AgentType], *, intent_id: str | None, pattern_type: str | None,
                               duration_ms: int | None, metadata: dict[str, Any]) -> ResonanceOut:
        now = utcnow()
        async with self._write, self.sessions.begin() as s:
            session = await require_session(s, session_id)
            await require_intent_in(s, intent_id, session_id, "intent_id")
            row = ResonanceRow(id=_new_id(), session_id=session_id, intent_id=intent_id, state=state.value,
                               intensity=intensity, agents=[a.value for a in agents], timestamp=now,
                               duration_ms=duration_ms, pattern_type=pattern_type, meta=metadata)
            s.add(row)
            touch(session, now)
        return ResonanceOut.from_row(row)

    async def list_resonances(self, session_id: str, state: ResonanceState | None) -> ResonanceList:
        async with self.sessions() as s:
            await require_session(s, session_id)
            where = [ResonanceRow.state == state.value] if state else []
            rows = await list_for_session(s, ResonanceRow, session_id, ResonanceRow.timestamp, *where)
        return ResonanceList(resonances=[ResonanceOut.from_row(r) for r in rows], total=len(rows),
                             avg_intensity=mean_or_zero([r.intensity for r in rows]))

    # -- agent contexts (phase 4: re-reflection) --------------------------------------------------
    async def save_context(self, session_id: str, agent_type: AgentType, context_data: dict[str, Any], *,
                           intent_id: str | None, metadata: dict[str, Any]) -> ContextOut:
        """Never overwrites: each save is the next version of that agent's context in the session."""
        now = utcnow()
        async with self._write, self.sessions.begin() as s:
            session = await require_session(s, session_id)
            await require_intent_in(s, intent_id, session_id, "intent_id")
            latest = await self._latest_context(s, session_id, agent_type)
            row = AgentContextRow(id=_new_id(), session_id=session_id, intent_id=intent_id,
                                  agent_type=agent_type.value, version=(latest.version + 1) if latest else 1,
                                  context_data=context_data, created_at=now, superseded_by=None, meta=metadata)
            s.add(row)
            if latest is not None:
                latest.superseded_by = row.id
            touch(session, now)
        return ContextOut.from_row(row)

    async def latest_context(self, session_id: str, agent_type: AgentType) -> ContextOut:
        async with self.sessions() as s:
            await require_session(s, session_id)
            row = await self._latest_context(s, session_id, agent_type)
        if row is None:
            raise NotFoundError(f"no context saved for agent {agent_type.value} in session {session_id}",
                                field="agent_type")
        return ContextOut.from_row(row)

    async def all_contexts(self, session_id: str) -> AllContexts:
        async with self.sessions() as s:
            await require_session(s, session_id)
            rows = await self._latest_contexts(s, session_id)
        return AllContexts(contexts={AgentType(r.agent_type): ContextOut.from_row(r).context_data for r in rows})

    @staticmethod
    async def _latest_context(s: AsyncSession, session_id: str, agent_type: AgentType) -> AgentContextRow | None:
        return await s.scalar(select(AgentContextRow)
                              .where(AgentContextRow.session_id == session_id,
                                     AgentContextRow.agent_type == agent_type.value)
                              .order_by(AgentContextRow.version.desc()).limit(1))

    @staticmethod
    async def _latest_contexts(s: AsyncSession, session_id: str) -> Sequence[AgentContextRow]:
        top = (select(AgentContextRow.agent_type, func.max(AgentContextRow.version).label("v"))
               .where(AgentContextRow.session_id == session_id).group_by(AgentContextRow.agent_type).subquery())
        stmt = (select(AgentContextRow)
                .join(top, (AgentContextRow.agent_type == top.c.agent_type) & (AgentContextRow.version == top.c.v))
                .where(AgentContextRow.session_id == session_id).order_by(AgentContextRow.agent_type))
        return (await s.scalars(stmt)).all()

    # -- choice points (phase 3: structuring) -----------------------------------------------------
    async def create_choice_point(self, session_id: str, intent_id: str, question: str, choices: Sequence[Choice],
                                  metadata: dict[str, Any]) -> ChoicePointOut:
        now = utcnow()
        async with self._write, self.sessions.begin() as s:
            session = await require_session(s, session_id)
            await require_intent_in(s, intent_id, session_id, "intent_id")
            row = ChoicePointRow(id=_new_id(), session_id=session_id, intent_id=intent_id, question=question,
                                 choices=[c.model_dump(mode="json") for c in choices], selected_choice_id=None,
                                 created_at=now, decided_at=None, decision_rationale=None, meta=metadata)
            s.add(row)
            touch(session, now)
        return ChoicePointOut.from_row(row)

    async def decide(self, choice_point_id: str, selected_choice_id: str,
                     decision_rationale: str | None) -> ChoicePointOut:
        now = utcnow()
        async with self._write, self.sessions.begin() as s:
            row = await require(s, ChoicePointRow, choice_point_id, "choice point", "choice_point_id")
            if row.selected_choice_id is not None:
                raise StateError(f"choice point {choice_point_id} was already decided ({row.selected_choice_id!r}"
                                 f" at {row.decided_at}); a decision is kept as recorded", field="choice_point_id")
            ids = [c["id"] for c in row.choices]
            if selected_choice_id not in ids:
                raise ValidationError(f"selected_choice_id {selected_choice_id!r} is not one of this choice "
                                      f"point's choices: {', '.join(ids)}", field="selected_choice_id")
            row.selected_choice_id, row.decided_at, row.decision_rationale = selected_choice_id, now, decision_rationale
            touch(await require_session(s, row.session_id), now)
        return ChoicePointOut.from_row(row)

    async def pending_choices(self, session_id: str) -> ChoicePointList:
        async with self.sessions() as s:
            await require_session(s, session_id)
            rows = await self._pending(s, session_id)
        return ChoicePointList(choice_points=[ChoicePointOut.from_row(r) for r in rows], total=len(rows))

    @staticmethod
    async def _pending(s: AsyncSession, session_id: str) -> Sequence[ChoicePointRow]:
        return await list_for_session(s, ChoicePointRow, session_id, ChoicePointRow.created_at,
                                      ChoicePointRow.selected_choice_id.is_(None))

    # -- breathing cycles -------------------------------------------------------------------------
    async def start_cycle(self, session_id: str, phase: BreathingPhase, *, intent_id: str | None,
                          phase_data: dict[str, Any]) -> CycleOut:
        now = utcnow()
        async with self._write, self.sessions.begin() as s:
            session = await require_session(s, session_id)
            await require_intent_in(s, intent_id, session_id, "intent_id")
            row = BreathingCycleRow(id=_new_id(), session_id=session_id, intent_id=intent_id, phase=phase.value,
                                    started_at=now, completed_at=None, phase_data=phase_data, success=None)
            s.add(row)
            touch(session, now)
        return CycleOut.from_row(row)

    async def complete_cycle(self, cycle_id: str, success: bool, phase_data: dict[str, Any]) -> CycleOut:
        """The completion's phase_data is merged over what the start recorded (its keys win)."""
        now = utcnow()
        async with self._write, self.sessions.begin() as s:
            row = await require(s, BreathingCycleRow, cycle_id, "breathing cycle", "cycle_id")
            if row.completed_at is not None:
                raise StateError(f"breathing cycle {cycle_id} was already completed at {row.completed_at}",
                                 field="cycle_id")
            row.completed_at, row.success, row.phase_data = now, success, {**row.phase_data, **phase_data}
            touch(await require_session(s, row.session_id), now)
        return CycleOut.from_row(row)

    async def list_cycles(self, session_id: str) -> CycleList:
        async with self.sessions() as s:
            await require_session(s, session_id)
            rows = await list_for_session(s, BreathingCycleRow, session_id, BreathingCycleRow.started_at)
        return CycleList(cycles=[CycleOut.from_row(r) for r in rows], total=len(rows))

    # -- snapshots --------------------------------------------------------------------------------
    async def create_snapshot(self, session_id: str, snapshot_type: SnapshotType, description: str | None,
                              tags: Sequence[str]) -> SnapshotOut:
        """Taken under the write lock, so the copy is one consistent moment of the session.

        A restore-point type also gets a file snapshot of the whole store, taken after the row is
        committed and before the lock is released: restoring it gives back this session exactly as
        snapshot_data shows it, with this snapshot in its list. Its name is then added to
        snapshot_data (`file_snapshot`; null when it could not be taken, which is logged; the JSON
        snapshot the client asked for stands either way).
        """
        async with self._write:
            async with self.sessions.begin() as s:
                session = await require_session(s, session_id)
                data = await collect(s, session)
                row = SnapshotRow(id=_new_id(), session_id=session_id, snapshot_type=snapshot_type.value,
                                  created_at=utcnow(), description=description, tags=list(dict.fromkeys(tags)),
                                  snapshot_data=data)
                s.add(row)
            if self.file_snapshot is not None and snapshot_type in RESTORE_POINT_TYPES:
                name = await self._restore_point(row, description)
                async with self.sessions.begin() as s:
                    await s.execute(update(SnapshotRow).where(SnapshotRow.id == row.id)
                                    .values(snapshot_data={**data, FILE_SNAPSHOT_KEY: name}))
        return SnapshotOut.from_row(row)

    async def _restore_point(self, row: SnapshotRow, description: str | None) -> str | None:
        assert self.file_snapshot is not None
        note = f"Resonant {row.snapshot_type} snapshot {row.id} of session {row.session_id}"
        tags = [row.snapshot_type, f"session:{row.session_id}", f"resonant_snapshot:{row.id}"]
        try:
            return await self.file_snapshot(f"{note}: {description}" if description else note, tags)
        except (OmoideError, OSError) as exc:
            log.error("restore point for Resonant snapshot %s not taken: %s", row.id, exc)
            return None

    async def list_snapshots(self, session_id: str, tags: Sequence[str]) -> SnapshotList:
        """With tags, only snapshots carrying every one of them."""
        async with self.sessions() as s:
            await require_session(s, session_id)
            rows = await list_for_session(s, SnapshotRow, session_id, SnapshotRow.created_at)
        wanted = set(tags)
        found = [r for r in rows if wanted.issubset(r.tags)]
        return SnapshotList(snapshots=[SnapshotOut.from_row(r) for r in found], total=len(found))

    async def get_snapshot(self, snapshot_id: str) -> SnapshotDataOut:
        async with self.sessions() as s:
            row = await require(s, SnapshotRow, snapshot_id, "snapshot", "snapshot_id")
        return SnapshotDataOut(**SnapshotOut.from_row(row).model_dump(), snapshot_data=readable_json(
            row.snapshot_data, f"snapshot_data of snapshot {row.id}", 2 * MAX_JSON_DEPTH))

    # -- query ------------------------------------------------------------------------------------
    async def query(self, session_id: str, spec: QuerySpec) -> QueryResult:
        started = time.perf_counter()
        async with self.sessions() as s:
            await require_session(s, session_id)
            results = await run_query(s, session_id, spec)
        elapsed_ms = round((time.perf_counter() - started) * 1000)
        log = QueryLogRow(id=_new_id(), session_id=session_id, query=spec.model_dump(mode="json", exclude_none=True),
                          executed_at=utcnow(), execution_time_ms=elapsed_ms, results_count=len(results))
        async with self._write, self.sessions.begin() as s:
            s.add(log)
        return QueryResult(query_id=log.id, results=results, count=len(results), execution_time_ms=elapsed_ms)
