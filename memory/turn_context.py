"""Reading a turn's previous turns from the store (the pure text rules are in memory.turn_text)."""

from __future__ import annotations

from datetime import UTC, datetime

from memory.store.base import MemoryRecord, MemoryStore, StoredRow
from memory.turn_text import TurnTextOptions, labelled_turn, speaker_label, with_context
from memory.types import Kind


def row_turn_text(row: MemoryRecord | StoredRow, opts: TurnTextOptions) -> str:
    """A stored memory's own text as a turn's context shows it (speaker name included)."""
    if row.kind != Kind.TURN.value:
        return row.content
    speaker = speaker_label(row.user_id, row.meta) if opts.speaker_names else None
    return labelled_turn(row.user_message, row.ai_message, speaker)


async def previous_turns(store: MemoryStore, tenant: str, cube: str, session_id: str, before: datetime,
                         opts: TurnTextOptions, label: int | None = None) -> list[str]:
    """The labelled texts of up to `context_turns` turns of the session saved before a point, oldest
    first. `label` (a stored memory's own) breaks ties between memories with the same created_at."""
    if opts.context_turns <= 0:
        return []
    rows = await store.previous_turns(tenant, cube, session_id, before, opts.context_turns, label)
    return [row_turn_text(r, opts) for r in reversed(rows)]


async def embed_text_for_row(store: MemoryStore, row: MemoryRecord, opts: TurnTextOptions) -> str:
    """What a stored memory is embedded as (re-embedding and content updates use this)."""
    own = row_turn_text(row, opts)
    if row.kind != Kind.TURN.value or row.session_id is None or opts.context_turns <= 0:
        return own
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    previous = await previous_turns(store, row.tenant, row.cube, row.session_id, created, opts, label=row.label)
    return with_context(own, previous, opts.context_chars)
