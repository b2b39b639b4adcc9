"""The engine's observer in the bot process: each operation, phase and model call becomes metrics and,
when tracing is on, a span (memory.observe defines the hooks; the engine imports nothing from here).

Hooks run several times per search, so they are kept cheap (bench.observability measures them): metric
children are looked up once per label value; an operation's span is found by its phases through a
context variable and made finished at its end, and a phase or model call is timed with perf_counter and
becomes a span only when its parent is recording, made when it ends with the start time it had (never
made current; both made finished in one step, bot.telemetry.leaf_spans).
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from functools import cache
from types import TracebackType
from typing import TYPE_CHECKING, Any

from opentelemetry import context, trace
from opentelemetry.trace import NonRecordingSpan, Status, StatusCode, get_current_span

from bot.telemetry import metrics as m
from bot.telemetry.tracing import OPERATION, TRACING
from memory.observe import Observer, OperationNote

if TYPE_CHECKING:
    from bot.telemetry.leaf_spans import OperationSpan

Exc = type[BaseException] | None


@cache
def _ops(op: str) -> tuple[Any, Any, Any]:
    """The operation's duration histogram and its ok/error counters (labels() costs a lock and a dict)."""
    return m.ENGINE_DURATION.labels(op), m.ENGINE_OPS.labels(op, "ok"), m.ENGINE_OPS.labels(op, "error")


@cache
def _phase(phase: str) -> Any:
    return m.ENGINE_PHASE.labels(phase)


@cache
def _embedding(kind: str) -> tuple[Any, Any]:
    return m.EMBED_DURATION.labels(kind), m.EMBED_TEXTS.labels(kind)


_SAVED, _REFUSED = m.BATCH_ITEMS.labels("saved"), m.BATCH_ITEMS.labels("failed")


def _failed(span: Any, exc: BaseException) -> None:
    span.record_exception(exc)
    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))


class _Operation:
    """Save, batch or search: its phases become children of its span (also on the threads the engine
    hands them to, which run in a copy of this context). Made by bot.telemetry.leaf_spans when it can
    (found by the phases through OPERATION), else the SDK's span made current."""

    __slots__ = ("op", "note", "_span", "_made", "_token", "_t0")

    def __init__(self, op: str) -> None:
        self.op = op
        self.note = OperationNote()
        self._span: Any = None
        self._made = False  # by leaf_spans
        self._token: Any = None

    def __enter__(self) -> OperationNote:
        tracer = TRACING.tracer
        if tracer is not None:
            leaves = TRACING.leaves
            made = leaves.start(self.op, time.time_ns(), OPERATION.get()) if leaves is not None else None
            if made is not None:
                self._span, self._made, self._token = made, True, OPERATION.set(made)
            else:
                self._span = tracer.start_span(self.op)
                self._token = context.attach(trace.set_span_in_context(self._span))
        self._t0 = time.perf_counter()
        return self.note

    def __exit__(self, exc_type: Exc, exc: BaseException | None, tb: TracebackType | None) -> None:
        seconds = time.perf_counter() - self._t0
        note, op, span = self.note, self.op, self._span
        if span is not None:
            attributes = ({"omoide.candidates": note.candidates, "omoide.hits": note.hits} if op == "search"
                          else {"omoide.items": note.items, "omoide.failed": note.failed})
            if self._made:
                OPERATION.reset(self._token)
                leaves = TRACING.leaves
                if leaves is not None:
                    leaves.end(span, time.time_ns(), attributes, exc)
            else:
                context.detach(self._token)
                if span.is_recording():
                    span.set_attributes(attributes)
                    if exc is not None:
                        _failed(span, exc)
                span.end()
        duration, ok, error = _ops(op)
        duration.observe(seconds)
        if exc_type is None:
            ok.inc()
        else:
            error.inc()
            m.ENGINE_ERRORS.labels(op, exc_type.__name__).inc()
        if op == "search":
            if exc_type is None:
                m.SEARCH_CANDIDATES.observe(note.candidates)
        else:
            _SAVED.inc(note.items - note.failed if exc_type is None else 0)
            _REFUSED.inc(note.failed if exc_type is None else note.items)


class _Leaf:
    """A timed step that, when its parent span is recording, becomes a child span once it has ended."""

    __slots__ = ("_op", "_parent", "_parent_span", "_start_ns", "_t0")

    def _begin(self) -> None:
        self._op: OperationSpan | None = None
        self._parent: context.Context | None = None
        if TRACING.tracer is not None:
            op = OPERATION.get()
            if op is not None:
                self._op, self._start_ns = op, time.time_ns()
            else:
                parent = context.get_current()
                span = trace.get_current_span(parent)
                if span.is_recording():
                    self._parent, self._parent_span, self._start_ns = parent, span, time.time_ns()
        self._t0 = time.perf_counter()

    @property
    def _traced(self) -> bool:
        return self._op is not None or self._parent is not None

    def _end(self, name: str, exc: BaseException | None, attributes: dict[str, int] | None = None) -> float:
        seconds = time.perf_counter() - self._t0
        op, parent = self._op, self._parent
        if op is None and parent is None:
            return seconds
        leaves = TRACING.leaves  # finished in one step (bot.telemetry.leaf_spans); errors take the SDK's path
        if exc is None and leaves is not None:
            if op is not None:
                leaves.child(op, name, self._start_ns, time.time_ns(), attributes)
                return seconds
            if leaves.emit(self._parent_span, name, self._start_ns, time.time_ns(), attributes):
                return seconds
        tracer = TRACING.tracer
        if tracer is not None:
            if op is not None:
                parent = trace.set_span_in_context(NonRecordingSpan(op.context))
            span = tracer.start_span(name, parent, attributes=attributes, start_time=self._start_ns)
            if exc is not None:
                _failed(span, exc)
            span.end()
        return seconds


class _Phase(_Leaf):
    __slots__ = ("phase",)

    def __init__(self, phase: str) -> None:
        self.phase = phase

    def __enter__(self) -> None:
        self._begin()

    def __exit__(self, exc_type: Exc, exc: BaseException | None, tb: TracebackType | None) -> None:
        _phase(self.phase).observe(self._end(self.phase, exc))


class _Embedding(_Leaf):
    __slots__ = ("kind", "texts")

    def __init__(self, kind: str, texts: int) -> None:
        self.kind, self.texts = kind, texts

    def __enter__(self) -> None:
        m.EMBED_QUEUE.inc()
        self._begin()

    def __exit__(self, exc_type: Exc, exc: BaseException | None, tb: TracebackType | None) -> None:
        m.EMBED_QUEUE.dec()
        # a query is one text under a search: only passages (save, batch) say how many they were
        seconds = self._end("embed", exc, {"omoide.embedding.texts": self.texts}
                            if self._traced and self.kind != "query" else None)
        duration, texts = _embedding(self.kind)
        duration.observe(seconds)
        texts.inc(self.texts)


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
        op = OPERATION.get()
        (op or get_current_span()).add_event("omoide.fallback", {"omoide.stage": stage, "omoide.reason": reason})


ENGINE_OBSERVER = EngineObserver()
