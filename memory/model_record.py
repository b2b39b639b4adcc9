"""Which model made the stored vectors ("model|dims" in the meta table): vectors of two models cannot be
mixed, so a store refuses to open with another model unless asked to re-embed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from memory.db.models import MemoryRow, MetaRow
from memory.errors import EmbeddingMismatchError

KEY = "embedding_model"


async def stored_model(sessions: async_sessionmaker[AsyncSession]) -> str | None:
    """The recorded "model|dims"; None if the database has no engine schema or no record yet."""
    async with sessions() as s:
        row = await s.get(MetaRow, KEY)
    return row.value if row is not None else None


async def check_model(sessions: async_sessionmaker[AsyncSession], model_id: str, dim: int,
                      allow_change: bool) -> None:
    """Record the model on an empty store; refuse another model's vectors unless `allow_change`."""
    want = f"{model_id}|{dim}"
    recorded = await stored_model(sessions)
    async with sessions() as s:
        has_rows = (await s.execute(select(MemoryRow.id).limit(1))).first() is not None
    if recorded is None or not has_rows:
        async with sessions.begin() as s:
            await s.merge(MetaRow(key=KEY, value=want))
        return
    if recorded != want and not allow_change:
        model, _, stored_dim = recorded.partition("|")
        raise EmbeddingMismatchError(
            f"stored vectors were made by {model} ({stored_dim} dims) but EMBEDDING_MODEL is "
            f"{model_id} ({dim} dims); vectors of different models cannot be "
            "mixed. Run `python -m bot reindex --re-embed` to re-embed every memory, or set EMBEDDING_MODEL back.")
