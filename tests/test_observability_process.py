"""`python -m bot api` as an operator runs it observed: METRICS_PORT serves /metrics without a key,
LOG_FORMAT=json writes JSON lines, and with OTEL_EXPORTER_OTLP_ENDPOINT its spans reach a collector
(a fake OTLP/HTTP receiver on 127.0.0.1, decoding what the real exporter sends)."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from botproc import BotProcess, seed_model
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

METRICS_LISTENING = re.compile(r"metrics listening on http://127\.0\.0\.1:(\d+)/metrics")


class Collector(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receive)
        self.requests: list[ExportTraceServiceRequest] = []
        self.paths: list[str] = []

    def spans(self) -> list[tuple[str, dict[str, str]]]:
        return [(s.name, {a.key: a.value.string_value for a in s.attributes})
                for req in self.requests for rs in req.resource_spans for ss in rs.scope_spans for s in ss.spans]

    def search_tree(self) -> dict[str, tuple[bytes, str, str]]:
        """The last search span's children as received: name -> (trace id, service name, scope name)."""
        received = [(s, rs.resource, ss.scope) for req in self.requests for rs in req.resource_spans
                    for ss in rs.scope_spans for s in ss.spans]
        search = [s for s, _, _ in received if s.name == "search"][-1]
        return {s.name: (s.trace_id, next(a.value.string_value for a in res.attributes if a.key == "service.name"),
                         scope.name) for s, res, scope in received if s.parent_span_id == search.span_id}


class _Receive(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.paths.append(self.path)
        self.server.requests.append(ExportTraceServiceRequest.FromString(body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def get(url: str, **headers: str) -> tuple[int, str, dict[str, str]]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


def test_metrics_port_json_logs_and_otlp_export(tmp_path: Path, model_dir: Path, collector: Collector) -> None:
    data = tmp_path / "data"
    seed_model(model_dir, data)
    bot = BotProcess(data, METRICS_PORT="0", LOG_FORMAT="json",
                     OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{collector.server_address[1]}")
    try:
        found = METRICS_LISTENING.search(bot.log)
        assert found, bot.log
        status, text, _ = get(f"http://127.0.0.1:{found.group(1)}/metrics")  # no key on the metrics listener
        assert status == 200 and "omoide_index_cubes 0.0" in text and "omoide_http_requests_total" in text
        assert get(f"{bot.url}/metrics")[0] == 401  # the API's own /metrics still wants the admin key
        status, _, headers = get(f"{bot.url}/health/ready", **{"X-Request-ID": "proc-req-1"})
        assert status == 200 and headers["X-Request-ID"] == "proc-req-1"
        assert bot.post("/save", {"user_message": "昨日見た映画が面白かった", "user_id": "viewer_1"})[0] == 200
        assert bot.post("/search", {"query": "好きな映画", "user_id": "viewer_1"})[0] == 200
    finally:
        code = bot.stop()
    assert code == 0, bot.log
    records = [json.loads(line) for line in bot.lines if line.startswith("{")]  # the log's own lines
    assert any("api listening" in r["message"] for r in records) and all(r["level"] for r in records)
    assert set(collector.paths) == {"/v1/traces"}  # OTEL_EXPORTER_OTLP_ENDPOINT is the base URL
    ready = [attrs for name, attrs in collector.spans() if name == "GET /health/ready"]
    assert ready and ready[0]["omoide.request_id"] == "proc-req-1"
    phases = collector.search_tree()  # the phases reach the collector as children of their search, like it
    assert set(phases) == {"embed", "lexical", "vector", "rank"}
    assert {(service, scope) for _, service, scope in phases.values()} == {("omoide", "omoide")}
    search = next(s for req in collector.requests for rs in req.resource_spans for ss in rs.scope_spans
                  for s in ss.spans if s.name == "search")
    assert {trace_id for trace_id, _, _ in phases.values()} == {search.trace_id}
