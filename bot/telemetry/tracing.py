"""OpenTelemetry traces: off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.

Spans are made through the opentelemetry-api only. While tracing is off no span object is made at
all (`span()` returns a shared no-op context) and the SDK is never imported; `enable_from_settings`
imports it (the `otel` extra: opentelemetry-sdk and the OTLP/HTTP exporter) once at start-up.
Span attributes carry ids, counts and route templates, never message text or user ids.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer, TracerProvider

    from bot.telemetry.leaf_spans import LeafSpans, OperationSpan

log = logging.getLogger("omoide.telemetry")
_NAME = "omoide"  # the tracer's (instrumentation scope)
_OFF: AbstractContextManager[None] = nullcontext()
Attributes = Mapping[str, str | int | float | bool]
OPERATION: ContextVar[OperationSpan | None] = ContextVar("omoide_operation", default=None)
"""The engine operation's span this code runs under, when made by bot.telemetry.leaf_spans (cheaper to set
and read than an OpenTelemetry context; copied to worker threads like it)."""


class Tracing:
    """The process's tracer, or None while tracing is off."""

    def __init__(self) -> None:
        self.tracer: Tracer | None = None
        self.leaves: LeafSpans | None = None  # the engine's phase spans, made finished (SDK tracers only)
        self._provider: TracerProvider | None = None

    @property
    def on(self) -> bool:
        return self.tracer is not None

    def use(self, provider: TracerProvider | None) -> None:
        """Trace through `provider` (None turns tracing off). Tests pass an SDK provider with an
        in-memory exporter; start-up passes the OTLP one."""
        self._provider = provider
        self.tracer = provider.get_tracer(_NAME) if provider is not None else None
        self.leaves = None
        if self.tracer is not None:
            try:
                from bot.telemetry.leaf_spans import LeafSpans
            except ImportError:  # another API implementation than the SDK: phases take the API's path
                return
            self.leaves = LeafSpans.of(self.tracer, _NAME)

    def shutdown(self) -> None:
        """Flush what is buffered (at process exit)."""
        stop = getattr(self._provider, "shutdown", None)
        if stop is not None:
            stop()


TRACING = Tracing()


def span(name: str, attributes: Attributes | None = None, *, kind: SpanKind = SpanKind.INTERNAL,
         parent: Any = None) -> AbstractContextManager[Span | None]:
    """A current span named `name`, or a no-op when tracing is off. Exceptions mark it as an error."""
    tracer = TRACING.tracer
    if tracer is None:
        return _OFF
    return tracer.start_as_current_span(name, context=parent, kind=kind, attributes=attributes)


def enable_from_settings(endpoint: str | None, service_name: str = "omoide") -> bool:
    """Export spans to an OTLP/HTTP collector at `endpoint` (its base URL, as OTEL_EXPORTER_OTLP_ENDPOINT
    means it: spans go to <endpoint>/v1/traces). False, with a log line saying why, when it cannot."""
    if not endpoint:
        return False
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.error("OTEL_EXPORTER_OTLP_ENDPOINT is set but the OpenTelemetry SDK is not installed; tracing stays "
                  "off. Install it with: pip install 'omoide[otel]'")
        return False
    traces_url = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or endpoint.rstrip("/") + "/v1/traces"
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)})
    provider = SdkTracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=traces_url)))
    TRACING.use(provider)
    log.info("tracing on: spans go to %s", traces_url)
    return True


def current_trace_id() -> str | None:
    """The current trace's id in hex (for log lines), or None when tracing is off or nothing is traced."""
    if TRACING.tracer is None:
        return None
    op = OPERATION.get()
    ctx = op.context if op is not None else trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None
