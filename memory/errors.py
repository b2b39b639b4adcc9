"""Typed errors the engine raises; the HTTP layer maps them to status codes (422, 404, 409)."""

from __future__ import annotations


class OmoideError(Exception):
    """Base class for every error the engine raises on purpose."""

    error_type = "MemoryError"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(OmoideError):
    """Input the caller must fix (maps to HTTP 422)."""

    error_type = "ValidationError"


class NotFoundError(OmoideError):
    """An id that does not exist in the caller's scope (maps to HTTP 404)."""

    error_type = "NotFoundError"


class EmbeddingMismatchError(OmoideError):
    """Stored vectors come from another model or dimension; re-embed before mixing (HTTP 409)."""

    error_type = "EmbeddingMismatchError"


class StoreUnavailableError(OmoideError):
    """The database cannot be reached or is not set up: a deployment problem, not the caller's input
    (the message starts with DATABASE_URL and says what to fix)."""

    error_type = "StoreUnavailableError"


class RerankerUnavailableError(OmoideError):
    """RERANK_MODEL is set but its model cannot be loaded: a deployment problem found at start (the
    message starts with RERANK_MODEL and says what to fix)."""

    error_type = "RerankerUnavailableError"
