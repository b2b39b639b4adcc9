"""Errors of the Resonant service. Bad fields and unknown ids reuse the engine's errors (422, 404)."""

from __future__ import annotations

from memory.errors import NotFoundError, OmoideError, ValidationError

__all__ = ["NotFoundError", "StateError", "ValidationError"]


class StateError(OmoideError):
    """The request is well formed but the record is past that step, e.g. completing twice (HTTP 400).

    Refused rather than applied so a second call never overwrites what the first one recorded.
    """

    error_type = "StateError"
