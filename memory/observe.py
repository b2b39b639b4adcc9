"""What the engine tells an observer about its work: operations (save, batch, search) and their phases.

The engine imports no metrics or tracing library. It calls these hooks at its public boundary; this
base class ignores them (a shared no-op context, so an engine nobody watches pays a method call), and
the bot process fills them (bot.telemetry: Prometheus metrics and OpenTelemetry spans). Phases may run
on worker threads: an observer must be thread-safe.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass


@dataclass(slots=True)
class OperationNote:
    """What an operation reports about itself while it runs (its outcome comes from the exception)."""

    candidates: int = 0  # search: candidates ranked
    hits: int = 0  # search: results returned
    items: int = 0  # save/batch: items given
    failed: int = 0  # batch: items refused


_IGNORED = OperationNote()
_NOTHING: AbstractContextManager[OperationNote] = nullcontext(_IGNORED)
_NO_PHASE: AbstractContextManager[None] = nullcontext()


class Observer:
    """No-op hooks; subclass and set `engine.observer` (and `engine.embeddings.observer`) to watch."""

    def operation(self, name: str) -> AbstractContextManager[OperationNote]:
        """Around one public operation: "save", "batch" or "search". Errors propagate through it."""
        return _NOTHING

    def phase(self, name: str) -> AbstractContextManager[None]:
        """Around one step of an operation: "lexical", "vector", "rank", "rerank"."""
        return _NO_PHASE

    def embedding(self, kind: str, texts: int) -> AbstractContextManager[None]:
        """Around one call to the model ("query" or "passage"), including its wait for the worker."""
        return _NO_PHASE

    def fallback(self, stage: str, reason: str) -> None:
        """An optional stage was skipped and the operation answered without it: "rerank" on a
        "timeout" or an "error" (memory.rerank.stage)."""


NO_OBSERVER = Observer()
