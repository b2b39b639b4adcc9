"""The engine's spans made finished in one step: an operation (search, save, batch) and its phases.

A phase is timed first and becomes a span once it has ended, under a recording span of this process.
The SDK's `start_span` + `end` costs about 13 µs a span (sampler, limits, locks, `on_start`, a copy for
`on_end`): four of them were most of what tracing added to a search (bench.observability). A phase
needs none of it: it takes its parent's sampling decision (what every built-in sampler decides for a
sampled parent in the same process), has no events and at most one integer attribute. So it is made
as the finished span the SDK would give its span processors, and handed to them (about 2.5 µs). A
phase that raised takes the SDK's own path, which records the exception and the error status.

An operation is made the same way: at its start the sampler decides and its ids are drawn, as
`start_span` would; its phases find it through a context variable (bot.telemetry.tracing.OPERATION)
rather than an OpenTelemetry context attached and detached; at its end it is handed over finished,
its parent being the span that was current when it started (one that raised with the error status and
the exception event the SDK would record).

Imported only once tracing is on with an SDK provider (bot.telemetry.tracing.Tracing.use).
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace import Tracer as SdkTracer
from opentelemetry.sdk.trace.sampling import DEFAULT_ON, Decision
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, SpanKind, Status, StatusCode, TraceFlags, Tracer

_OK = Status(StatusCode.UNSET)


def _exception(exc: BaseException) -> dict[str, str]:
    """The attributes of the SDK's exception event (`Span.record_exception`)."""
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ in ("", "builtins") else f"{kind.__module__}.{kind.__qualname__}"
    return {"exception.type": name, "exception.message": str(exc),
            "exception.stacktrace": "".join(traceback.format_exception(exc)), "exception.escaped": "False"}


class OperationSpan:
    """An operation's span while it runs: its ids, its parent's, its start and the events it got."""

    __slots__ = ("name", "context", "parent", "start_ns", "attributes", "events")

    def __init__(self, name: str, context: SpanContext, parent: SpanContext | None, start_ns: int,
                 attributes: Mapping[str, Any] | None) -> None:
        self.name, self.context, self.parent, self.start_ns = name, context, parent, start_ns
        self.attributes = attributes  # the sampler's, if it gave any
        self.events: list[Event] | None = None

    def add_event(self, name: str, attributes: Mapping[str, str]) -> None:
        """As `Span.add_event` (the rerank stage's fallback; an exception)."""
        if self.events is None:
            self.events = []
        self.events.append(Event(name, attributes))


class LeafSpans:
    def __init__(self, tracer: SdkTracer, scope: InstrumentationScope) -> None:
        self.tracer, self.scope = tracer, scope
        self.processor, self.ids, self.sampler = tracer.span_processor, tracer.id_generator, tracer.sampler
        self.resource = tracer.resource
        # parent-based, always on (the SDK's default): sampled unless the parent is not
        self.parent_based_on = self.sampler is DEFAULT_ON

    @classmethod
    def of(cls, tracer: Tracer, name: str) -> LeafSpans | None:
        """For an SDK tracer got as `name`; None for any other (its spans then take the API's path)."""
        return cls(tracer, InstrumentationScope(name)) if isinstance(tracer, SdkTracer) else None

    def start(self, name: str, start_ns: int, outer: OperationSpan | None) -> OperationSpan | None:
        """An operation's span under `outer` (an operation it runs in) or else the current span, as
        `start_span` would decide and number it; None when the sampler does not record it (the caller
        then takes the SDK's path)."""
        current = outer.context if outer is not None else trace.get_current_span().get_span_context()
        parent = current if current.is_valid else None
        if parent is not None:
            trace_id, random_id = parent.trace_id, parent.trace_flags.random_trace_id
        else:
            trace_id, random_id = self.ids.generate_trace_id(), self.ids.is_trace_id_random()
        if self.parent_based_on:  # the default sampler's decision, without a SamplingResult per call
            if parent is not None and not parent.trace_flags.sampled:
                return None
            state, extra = (parent.trace_state if parent is not None else None), None
        else:
            sampled = self.sampler.should_sample(
                trace.set_span_in_context(NonRecordingSpan(current)) if outer is not None else None,
                trace_id, name, SpanKind.INTERNAL)
            if sampled.decision is not Decision.RECORD_AND_SAMPLE:
                return None
            state, extra = sampled.trace_state, sampled.attributes or None
        flags = TraceFlags(TraceFlags.SAMPLED | TraceFlags.RANDOM_TRACE_ID if random_id else TraceFlags.SAMPLED)
        ctx = SpanContext(trace_id, self.ids.generate_span_id(), False, flags, state)
        return OperationSpan(name, ctx, parent, start_ns, extra)

    def end(self, op: OperationSpan, end_ns: int, attributes: Mapping[str, int],
            exc: BaseException | None = None) -> None:
        """Hand the processors the operation that ended; one that raised is marked failed with the error's
        class and gets the exception event `Span.record_exception` would give it."""
        if op.attributes:
            attributes = {**op.attributes, **attributes}
        status = _OK
        if exc is not None:
            op.add_event("exception", _exception(exc))
            status = Status(StatusCode.ERROR, type(exc).__name__)
        self.processor.on_end(ReadableSpan(op.name, op.context, op.parent, self.resource, attributes,
                                           op.events or (), status=status, start_time=op.start_ns,
                                           end_time=end_ns, instrumentation_scope=self.scope))

    def child(self, op: OperationSpan, name: str, start_ns: int, end_ns: int,
              attributes: Mapping[str, int] | None = None) -> None:
        """Hand the processors the finished child `name` of the operation `op`."""
        up = op.context
        ctx = SpanContext(up.trace_id, self.ids.generate_span_id(), False, up.trace_flags, up.trace_state)
        self.processor.on_end(ReadableSpan(name, ctx, up, self.resource, attributes, start_time=start_ns,
                                           end_time=end_ns, instrumentation_scope=self.scope))

    def emit(self, parent: Span, name: str, start_ns: int, end_ns: int,
             attributes: Mapping[str, int] | None = None) -> bool:
        """Hand the processors the finished child `name` of `parent`; False when `parent` is not an SDK
        span (the caller then starts and ends one through the tracer)."""
        if not isinstance(parent, ReadableSpan) or parent.context is None:
            return False
        up = parent.context
        ctx = SpanContext(up.trace_id, self.ids.generate_span_id(), False, up.trace_flags, up.trace_state)
        self.processor.on_end(ReadableSpan(name, ctx, up, parent.resource, attributes, start_time=start_ns,
                                           end_time=end_ns, instrumentation_scope=parent.instrumentation_scope))
        return True
