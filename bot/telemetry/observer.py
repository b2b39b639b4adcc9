"""The engine's observer in the bot process: each operation, phase and model call becomes metrics and,
when tracing is on, a span (memory.observe defines the hooks; the engine imports nothing from here)."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

from opentelemetry.trace import Status, StatusCode, get_current_span

from bot.telemetry import metrics as m
from bot.telemetry.tracing import TRACING
from memory.observe import Observer, OperationNote


class _Timed:
    """Times a block and, with tracing on, runs it inside a span; subclasses record what they measure."""

    __slots__ = ("_span_cm", "_span", "_t0")

    def __init__(self) -> None:
        self._span_cm: AbstractContextManager[Any] | None = None
        self._span: Any = None

    def _start(self, span_name: str, *, current: bool = False) -> None:
        """`current`: the span becomes the parent of spans started inside the block (an operation's
        phases). A leaf span (a phase, a model call) is only started: making a span current costs a
        context attach and detach, about half of what the span costs (bench.observability)."""
        tracer = TRACING.tracer
        if tracer is not None:
            if current:
                self._span_cm = tracer.start_as_current_span(span_name)
                self._span = self._span_cm.__enter__()
            else:
                self._span = tracer.start_span(span_name)
        self._t0 = time.perf_counter()

    def _stop(self, exc_type: type[BaseException] | None, exc: BaseException | None,
              tb: TracebackType | None) -> float:
        seconds = time.perf_counter() - self._t0
        if self._span_cm is not None:
            self._span_cm.__exit__(exc_type, exc, tb)
        elif self._span is not None:
            if exc is not None:
                self._span.record_exception(exc)
                self._span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            self._span.end()
        return seconds


class _Operation(_Timed):
    __slots__ = ("op", "note")

    def __init__(self, op: str) -> None:
        super().__init__()
        self.op = op
        self.note = OperationNote()

    def __enter__(self) -> OperationNote:
        self._start(self.op, current=True)
        return self.note

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        note, op = self.note, self.op
        if self._span is not None:
            self._span.set_attributes({"omoide.operation": op, "omoide.items": note.items,
                                       "omoide.candidates": note.candidates, "omoide.hits": note.hits,
                                       "omoide.failed": note.failed})
        seconds = self._stop(exc_type, exc, tb)
        m.ENGINE_DURATION.labels(op).observe(seconds)
        if exc_type is None:
            m.ENGINE_OPS.labels(op, "ok").inc()
        else:
            m.ENGINE_OPS.labels(op, "error").inc()
            m.ENGINE_ERRORS.labels(op, exc_type.__name__).inc()
        if op == "search" and exc_type is None:
            m.SEARCH_CANDIDATES.observe(note.candidates)
        elif op != "search":
            m.BATCH_ITEMS.labels("saved").inc(note.items - note.failed if exc_type is None else 0)
            m.BATCH_ITEMS.labels("failed").inc(note.failed if exc_type is None else note.items)


class _Phase(_Timed):
    __slots__ = ("phase",)

    def __init__(self, phase: str) -> None:
        super().__init__()
        self.phase = phase

    def __enter__(self) -> None:
        self._start(self.phase)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        m.ENGINE_PHASE.labels(self.phase).observe(self._stop(exc_type, exc, tb))


class _Embedding(_Timed):
    __slots__ = ("kind", "texts")

    def __init__(self, kind: str, texts: int) -> None:
        super().__init__()
        self.kind, self.texts = kind, texts

    def __enter__(self) -> None:
        m.EMBED_QUEUE.inc()
        self._start("embed")
        if self._span is not None:
            self._span.set_attributes({"omoide.embedding.kind": self.kind, "omoide.embedding.texts": self.texts})

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        m.EMBED_QUEUE.dec()
        m.EMBED_DURATION.labels(self.kind).observe(self._stop(exc_type, exc, tb))
        m.EMBED_TEXTS.labels(self.kind).inc(self.texts)


class EngineObserver(Observer):
    """Stateless: every engine of the process can share one."""

    def operation(self, name: str) -> AbstractContextManager[OperationNote]:
        return _Operation(name)

    def phase(self, name: str) -> AbstractContextManager[None]:
        return _Phase(name)

    def embedding(self, kind: str, texts: int) -> AbstractContextManager[None]:
        return _Embedding(kind, texts)

    def fallback(self, stage: str, reason: str) -> None:
        m.ENGINE_FALLBACKS.labels(stage, reason).inc()
        get_current_span().add_event("omoide.fallback", {"omoide.stage": stage, "omoide.reason": reason})


ENGINE_OBSERVER = EngineObserver()
