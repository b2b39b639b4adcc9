"""The API's telemetry: a middleware (request id, request metrics, one span per request) and /metrics.

The middleware runs outermost, so it sees the status the client gets (errors already turned into
JSON) and every log line and audit row written while the request is served carries its request id.
`GET /metrics` on the API needs the admin key; METRICS_PORT serves it alone, unauthenticated, on
METRICS_HOST (loopback by default) for a Prometheus that scrapes without credentials.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from opentelemetry import propagate
from opentelemetry.trace import SpanKind
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from bot.telemetry import metrics as m
from bot.telemetry.collectors import ProcessCollector
from bot.telemetry.context import REQUEST_ID, accepted_request_id
from bot.telemetry.tracing import TRACING, span

access_log = logging.getLogger("omoide.access")  # one line per request at DEBUG
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
REQUEST_ID_HEADER = "X-Request-ID"
CLIENT_GONE = 499  # the client went away before the answer (the status nginx logs)
UNMATCHED = "unmatched"  # the route label of requests no route answers (404/405): never the raw path
APP_REGISTRY = web.AppKey("metrics_registry", CollectorRegistry)


def route_of(request: web.Request) -> str:
    """The route's template (/memories/{user_id}), never the path itself: labels stay bounded."""
    if request.match_info.http_exception is not None:
        return UNMATCHED
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


@web.middleware
async def telemetry(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
    token = REQUEST_ID.set(request_id)
    route, method = route_of(request), request.method
    status = 500
    m.HTTP_IN_PROGRESS.inc()
    t0 = time.perf_counter()
    try:
        if TRACING.on:
            parent = propagate.extract(request.headers)  # a caller's traceparent makes this a child of its trace
            with span(f"{method} {route}", {"http.request.method": method, "http.route": route,
                                             "omoide.request_id": request_id},
                      kind=SpanKind.SERVER, parent=parent) as s:
                resp = await handler(request)
                status = resp.status
                if s is not None:
                    s.set_attribute("http.response.status_code", status)
        else:
            resp = await handler(request)
            status = resp.status
    except web.HTTPException as exc:  # redirects and the like pass through the error middleware
        status = exc.status
        exc.headers[REQUEST_ID_HEADER] = request_id
        raise
    except asyncio.CancelledError:
        status = CLIENT_GONE
        raise
    finally:
        seconds = time.perf_counter() - t0
        access_log.debug("%s %s %d %.1f ms", method, route, status, seconds * 1000)
        m.HTTP_IN_PROGRESS.dec()
        cls = m.status_class(status)
        m.HTTP_REQUESTS.labels(method, route, cls).inc()
        m.HTTP_DURATION.labels(method, route, cls).observe(seconds)
        REQUEST_ID.reset(token)
    if not resp.prepared:  # a WebSocket or stream has sent its headers already
        resp.headers[REQUEST_ID_HEADER] = request_id
    return resp


def exposition(registry: CollectorRegistry) -> bytes:
    """The process's metrics and this app's scrape-time ones, in the Prometheus text format."""
    return generate_latest(REGISTRY) + generate_latest(registry)


def attach(app: web.Application, collector: ProcessCollector) -> None:
    """Give the app its scrape-time collector (each app its own registry: tests build several)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    app[APP_REGISTRY] = registry


async def metrics(request: web.Request) -> web.Response:
    body = exposition(request.app[APP_REGISTRY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def metrics_only_app(api: web.Application) -> web.Application:
    """The unauthenticated /metrics listener (METRICS_PORT): the API app's metrics, nothing else."""
    app = web.Application()
    app[APP_REGISTRY] = api[APP_REGISTRY]
    app.router.add_get("/metrics", metrics)
    return app
