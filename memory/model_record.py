"""Which model made the stored vectors ("model|dims" in the meta table): vectors of two models cannot be
mixed, so a store refuses to open with another model unless asked to re-embed."""

from __future__ import annotations

from memory.errors import EmbeddingMismatchError
from memory.store.base import MemoryStore

KEY = "embedding_model"


async def stored_model(store: MemoryStore) -> str | None:
    """The recorded "model|dims"; None if there is no record yet."""
    return await store.get_meta(KEY)


async def check_model(store: MemoryStore, model_id: str, dim: int, allow_change: bool) -> None:
    """Record the model on an empty store; refuse another model's vectors unless `allow_change`."""
    want = f"{model_id}|{dim}"
    recorded = await stored_model(store)
    if recorded is None or not await store.has_memories():
        await store.set_meta(KEY, want)
        return
    if recorded != want and not allow_change:
        model, _, stored_dim = recorded.partition("|")
        raise EmbeddingMismatchError(
            f"stored vectors were made by {model} ({stored_dim} dims) but EMBEDDING_MODEL is "
            f"{model_id} ({dim} dims); vectors of different models cannot be "
            "mixed. Run `python -m bot reindex --re-embed` to re-embed every memory, or set EMBEDDING_MODEL back.")
