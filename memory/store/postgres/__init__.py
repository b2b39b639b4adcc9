"""The PostgreSQL + pgvector store (memory.store.postgres.store); memory.store.factory imports it lazily."""

from memory.store.postgres.connect import StoreUnavailableError
from memory.store.postgres.store import PostgresStore

__all__ = ["PostgresStore", "StoreUnavailableError"]
