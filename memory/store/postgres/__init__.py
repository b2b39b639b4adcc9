"""The PostgreSQL + pgvector store (memory.store.postgres.store); memory.store.factory imports it lazily."""

from memory.errors import StoreUnavailableError
from memory.store.postgres.store import PostgresStore

__all__ = ["PostgresStore", "StoreUnavailableError"]
