"""Small query helpers the service shares: look-ups that 404 with a useful message, session lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar

from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.resonant.errors import NotFoundError
from bot.resonant.models import IntentRow, ResonanceRow, ResonantBase, SessionRow

Row = TypeVar("Row", bound=ResonantBase)


class _InSession(Protocol):
    """A model of rows that belong to a session (every one but SessionRow)."""

    session_id: ClassVar[InstrumentedAttribute[str]]


InSession = TypeVar("InSession", bound=_InSession)


async def require_session(s: AsyncSession, session_id: str, *, field: str = "session_id") -> SessionRow:
    row = await s.get(SessionRow, session_id)
    if row is None:
        raise NotFoundError(f"session {session_id} not found", field=field)
    return row


async def require(s: AsyncSession, model: type[Row], row_id: str, what: str, field: str) -> Row:
    row = await s.get(model, row_id)
    if row is None:
        raise NotFoundError(f"{what} {row_id} not found", field=field)
    return row


async def require_intent_in(s: AsyncSession, intent_id: str | None, session_id: str, field: str) -> None:
    """An intent referenced from a record must exist and belong to the record's session."""
    if intent_id is None:
        return
    row = await s.get(IntentRow, intent_id)
    if row is None or row.session_id != session_id:
        raise NotFoundError(f"intent {intent_id} not found in session {session_id}", field=field)


def insertion_order(s: AsyncSession, model: type[Any]) -> ColumnElement[Any]:
    """What breaks ties between rows of the same time: SQLite's rowid, the order of insertion. PostgreSQL
    has no such column (and rowid there is an error): the row's id, a fixed order at least."""
    if s.get_bind().dialect.name == "sqlite":
        return literal_column("rowid")
    column: ColumnElement[Any] = model.__table__.c.id
    return column


async def list_for_session(s: AsyncSession, model: type[InSession], session_id: str,
                           time_column: InstrumentedAttribute[datetime],
                           *where: ColumnElement[bool]) -> Sequence[InSession]:
    """Oldest first; ties in the order of insertion (insertion_order)."""
    stmt = (select(model).where(model.session_id == session_id, *where)
            .order_by(time_column, insertion_order(s, model)))
    return (await s.scalars(stmt)).all()


async def count(s: AsyncSession, model: type[InSession], session_id: str, *where: ColumnElement[bool]) -> int:
    column = model.session_id
    stmt = select(func.count()).select_from(model).where(column == session_id, *where)
    return int((await s.execute(stmt)).scalar_one())


async def avg_intensity(s: AsyncSession, session_id: str) -> float:
    value = (await s.execute(select(func.avg(ResonanceRow.intensity))
                             .where(ResonanceRow.session_id == session_id))).scalar_one_or_none()
    return mean_or_zero([] if value is None else [float(value)])


def mean_or_zero(values: Sequence[float]) -> float:
    """Averages are rounded to 6 places so 0.78 does not come back as 0.7799999999999999."""
    return round(sum(values) / len(values), 6) if values else 0.0


def touch(session: SessionRow, now: datetime) -> None:
    """Anything recorded in a session counts as activity."""
    session.last_active = now
