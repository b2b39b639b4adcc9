"""The engine's phase spans made finished in one step (a search makes four: embed, lexical, vector, rank).

A phase is timed first and becomes a span once it has ended, under a recording span of this process.
The SDK's `start_span` + `end` costs about 13 µs a span (sampler, limits, locks, `on_start`, a copy for
`on_end`): four of them were most of what tracing added to a search (bench.observability). A phase
needs none of it: it takes its parent's sampling decision (what every built-in sampler decides for a
sampled parent in the same process), has no events and at most one integer attribute. So it is made
as the finished span the SDK would give its span processors, and handed to them (about 2.5 µs). A
phase that raised takes the SDK's own path, which records the exception and the error status.

Imported only once tracing is on with an SDK provider (bot.telemetry.tracing.Tracing.use).
"""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace import Tracer as SdkTracer
from opentelemetry.trace import Span, SpanContext, Tracer


class LeafSpans:
    def __init__(self, tracer: SdkTracer) -> None:
        self.processor = tracer.span_processor
        self.ids = tracer.id_generator

    @classmethod
    def of(cls, tracer: Tracer) -> LeafSpans | None:
        """For an SDK tracer; None for any other (its phases then take the API's path)."""
        return cls(tracer) if isinstance(tracer, SdkTracer) else None

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
