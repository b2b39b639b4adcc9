"""Observability an operator runs on: /metrics after known traffic, the span tree of a search, readiness
that follows the database and its schema revision, and the request id in the response, the audit log and JSON logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from api_server import ApiServer
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.logs import setup_logging
from memory.db.migrate import head, upgrade
from memory.engine import MemoryEngine
from memory.options import EngineOptions
from memory.types import MemoryFilter
from tests.store_helpers import sqlite_store

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
QUERY = "好きな映画の話"
USER = "viewer_4821"


def parse(text: str) -> Samples:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(api: ApiServer) -> Samples:
    async with api.client(api.admin_key) as c:
        r = await c.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return parse(r.text)


@pytest.mark.sqlite_only
async def test_metrics_count_known_traffic_exactly(api: ApiServer) -> None:
    before = await scrape(api)
    async with api.client(api.admin_key) as c:
        assert (await c.post("/save", json={"user_message": "昨日見た映画が面白かった", "ai_message": "いいですね",
                                            "user_id": USER})).status_code == 200
        assert (await c.post("/search", json={"query": QUERY, "user_id": USER, "top_k": 3})).status_code == 200
        assert (await c.get(f"/no/such/route/{USER}")).status_code == 404
        assert (await c.post("/search", json={"query": QUERY, "user_id": USER, "top_k": 0})).status_code == 422
    after = await scrape(api)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "omoide_http_requests_total"
    assert delta(requests, method="POST", route="/save", status="2xx") == 1
    assert delta(requests, method="POST", route="/search", status="2xx") == 1
    assert delta(requests, method="POST", route="/search", status="4xx") == 1
    assert delta(requests, method="GET", route="unmatched", status="4xx") == 1  # the raw path never a label
    assert delta(requests, method="GET", route="/metrics", status="2xx") == 1  # the first scrape
    assert not any(USER in dict(labels).get("route", "") for _, labels in after)
    assert delta("omoide_http_request_duration_seconds_count", method="POST", route="/search", status="2xx") == 1

    ops = "omoide_engine_operations_total"
    assert delta(ops, operation="save", outcome="ok") == 1
    assert delta(ops, operation="search", outcome="ok") == 1  # the 422 never reached the engine
    assert delta(ops, operation="search", outcome="error") == 0
    assert delta("omoide_engine_operation_duration_seconds_count", operation="search") == 1
    assert delta("omoide_engine_search_candidates_count") == 1
    assert delta("omoide_engine_search_candidates_sum") >= 1  # the saved memory was a candidate
    assert delta("omoide_engine_batch_items_total", outcome="saved") == 1
    assert delta("omoide_embedding_texts_total", kind="query") == 1
    assert delta("omoide_embedding_texts_total", kind="passage") == 1
    assert value(after, "omoide_embedding_queue_depth") == 0

    # read at scrape time: the cube now holds one vector, none deleted; the pool's use is reported
    cubes = {dict(labels)["cube"]: v for (name, labels), v in after.items() if name == "omoide_index_vectors"}
    assert sum(cubes.values()) == 1 and all(USER not in cube for cube in cubes)
    assert all(v == 0 for (name, _), v in after.items() if name == "omoide_index_deleted_share")
    assert ("omoide_db_pool_checked_out", frozenset()) in after and value(after, "omoide_db_pool_size") >= 1
    assert value(after, "omoide_discord_configured") == 0


async def test_metrics_need_the_admin_key(api: ApiServer) -> None:
    reader = await api.new_key(read_only=True)
    async with api.client() as anon, api.client(reader) as c:
        assert (await anon.get("/metrics")).status_code == 401
        assert (await c.get("/metrics")).status_code == 403


def children(of: ReadableSpan, every: tuple[ReadableSpan, ...]) -> dict[str, ReadableSpan]:
    return {s.name: s for s in every if s.parent is not None and s.parent.span_id == of.context.span_id}


def no_text_in(every: tuple[ReadableSpan, ...], *texts: str) -> bool:
    values = [str(v) for s in every for v in (s.attributes or {}).values()]
    return not any(t in v for t in texts for v in values)


async def test_a_search_is_one_request_span_with_its_phases_and_no_text(api: ApiServer,
                                                                         spans: InMemorySpanExporter) -> None:
    request_id = "4b8d946a0b196a48aa00bb11cc22dd33"
    async with api.client(api.admin_key) as c:
        await c.post("/save", json={"user_message": "昨日見た映画が面白かった", "ai_message": "いいですね",
                                    "user_id": USER})
        spans.clear()
        r = await c.post("/search", json={"query": QUERY, "user_id": USER, "top_k": 3},
                         headers={"X-Request-ID": request_id})
    assert r.status_code == 200 and r.headers["X-Request-ID"] == request_id
    every = spans.get_finished_spans()
    (root,) = [s for s in every if s.parent is None]
    assert root.name == "POST /search" and root.attributes is not None
    assert root.attributes["http.route"] == "/search" and root.attributes["http.response.status_code"] == 200
    assert root.attributes["omoide.request_id"] == request_id
    search = children(root, every)["search"]
    assert set(children(search, every)) == {"embed", "lexical", "vector", "rank"}
    assert search.attributes is not None and search.attributes["omoide.hits"] == 1
    assert {s.context.trace_id for s in every} == {root.context.trace_id}
    assert no_text_in(every, QUERY, "映画", USER)


async def test_a_search_across_cubes_has_the_same_phases(engine: MemoryEngine, spans: InMemorySpanExporter) -> None:
    from bot.telemetry.observer import ENGINE_OBSERVER
    from memory.types import Scope
    engine.watch(ENGINE_OBSERVER)
    for cube in ("cube_a", "cube_b"):
        await engine.store(Scope(tenant="t", cube=cube, user_id=USER), "猫が好きです")
    spans.clear()
    await engine.search("猫", MemoryFilter(tenant="t"))  # two cubes: the general path
    every = spans.get_finished_spans()
    (search,) = [s for s in every if s.name == "search"]
    assert set(children(search, every)) == {"embed", "lexical", "vector", "rank"}
    assert no_text_in(every, "猫", USER)


def test_a_failed_phase_is_marked_on_its_span_under_its_operation(spans: InMemorySpanExporter) -> None:
    """Phases are leaf spans (started, not made current: cheaper), yet still children of their operation
    and still marked failed with the error's class when they raise."""
    from opentelemetry.trace import StatusCode

    from bot.telemetry.observer import ENGINE_OBSERVER
    with pytest.raises(ValueError), ENGINE_OBSERVER.operation("search"):
        with ENGINE_OBSERVER.phase("lexical"):
            pass
        with ENGINE_OBSERVER.phase("vector"):
            raise ValueError("index gone")
    every = spans.get_finished_spans()
    (search,) = [s for s in every if s.name == "search"]
    phases = children(search, every)
    assert set(phases) == {"lexical", "vector"}
    assert phases["vector"].status.status_code is StatusCode.ERROR and phases["vector"].events[0].name == "exception"
    assert phases["lexical"].status.status_code is StatusCode.UNSET
    assert search.status.status_code is StatusCode.ERROR and search.status.description == "ValueError"
    assert [(e.name, (e.attributes or {}).get("exception.type")) for e in search.events] == [
        ("exception", "ValueError")]


def test_an_operation_nests_and_follows_its_parents_sampling(spans: InMemorySpanExporter) -> None:
    """An operation inside another is its child; under a parent that is not sampled nothing is recorded."""
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, use_span

    from bot.telemetry.observer import ENGINE_OBSERVER
    with ENGINE_OBSERVER.operation("batch"), ENGINE_OBSERVER.operation("save"), ENGINE_OBSERVER.phase("rank"):
        pass
    every = spans.get_finished_spans()
    (batch,) = [s for s in every if s.parent is None]
    assert batch.name == "batch" and set(children(batch, every)) == {"save"}
    assert set(children(children(batch, every)["save"], every)) == {"rank"}
    spans.clear()
    unsampled = SpanContext(0x1234, 0x5678, is_remote=True, trace_flags=TraceFlags(TraceFlags.DEFAULT))
    with use_span(NonRecordingSpan(unsampled)), ENGINE_OBSERVER.operation("search"), ENGINE_OBSERVER.phase("rank"):
        pass
    assert spans.get_finished_spans() == ()


async def test_readiness_follows_the_database(api: ApiServer, engine: MemoryEngine, options: EngineOptions) -> None:
    async with api.client() as c:  # no key: orchestrators probe without one
        r = await c.get("/health/ready")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "ready" and body["problems"] == []
        assert body["checks"]["discord"]["state"] == "off" and body["checks"]["model"]["ok"]

        moved = options.data_dir.with_name("elsewhere")
        options.data_dir.rename(moved)  # the database file is gone from where the engine connects
        await sqlite_store(engine).db.dispose()  # its pooled connections closed: the next query must reconnect
        try:
            r = await c.get("/health/ready")
            assert r.status_code == 503
            body = r.json()
            assert body["status"] == "not_ready" and not body["checks"]["database"]["ok"]
            assert body["problems"][0].startswith("database: ")
            assert (await c.get("/health/live")).status_code == 200  # alive all the same
            assert (await c.get("/health/")).json()["status"] == "healthy"  # the seed's health keeps its shape
        finally:
            moved.rename(options.data_dir)
        r = await c.get("/health/ready")
        assert r.status_code == 200 and r.json()["status"] == "ready"


async def test_the_request_id_reaches_the_audit_log_and_json_logs(api: ApiServer,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging("DEBUG", "json")  # LOG_FORMAT=json; its handler writes to the captured stderr
    try:
        async with api.client(api.admin_key) as c:
            r = await c.post("/save", json={"user_message": "今日は晴れ", "user_id": USER},
                             headers={"X-Request-ID": "req-0001"})
            generated = (await c.get("/health/live")).headers["X-Request-ID"]
            audit = (await c.get("/admin/audit", params={"limit": 5})).json()["entries"]
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    assert r.status_code == 200 and r.headers["X-Request-ID"] == "req-0001"
    assert len(generated) == 32 and generated != "req-0001"  # made up when the client sent none
    assert [e["request_id"] for e in audit if e["path"] == "/save"] == ["req-0001"]
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("request_id") == "req-0001"]
    assert mine and all(line["level"] and line["logger"] and line["time"] for line in mine)
    assert any("/save" in line["message"] for line in mine)


def test_a_hostile_request_id_is_replaced() -> None:
    from bot.telemetry.context import accepted_request_id
    assert accepted_request_id("abc-123") == "abc-123"
    for bad in ("x" * 500, "a b", "<script>", "ok\r\nSet-Cookie: x", ""):
        assert accepted_request_id(bad) != bad


async def test_a_livestream_event_is_counted_and_traced_under_its_request(api: ApiServer,
                                                                          spans: InMemorySpanExporter) -> None:
    before = await scrape(api)
    async with api.client(api.admin_key) as c:
        r = await c.post("/api/livestream/cocoro/events", json={
            "platform": "youtube", "viewer_id": "UC_9", "viewer_name": "みかん", "type": "superchat",
            "message": "いつも応援してます", "amount": 500, "currency": "JPY"})
    assert r.status_code == 200 and r.json()["status"] == "answered"
    after = await scrape(api)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("omoide_livestream_events_total", persona="cocoro", type="superchat") == 1
    assert delta("omoide_livestream_paid_events_total", persona="cocoro") == 1
    assert delta("omoide_livestream_answered_total", persona="cocoro") == 1
    assert delta("omoide_livestream_dropped_total", persona="cocoro", reason="queue_full") == 0

    every = spans.get_finished_spans()
    (request,) = [s for s in every if s.name == "POST /api/livestream/{persona}/events"]
    event = children(request, every)["livestream event"]
    assert event.attributes is not None and event.attributes["omoide.livestream.paid"] is True
    assert "search" in children(event, every)  # the persona's recall of the viewer
    assert no_text_in(every, "UC_9", "みかん", "応援")


async def test_llm_calls_and_fallbacks_are_counted_and_traced(engine: MemoryEngine, tmp_path: Path,
                                                              spans: InMemorySpanExporter) -> None:
    from prometheus_client import REGISTRY

    from bot.services import Services
    from config.settings import Settings
    from tests.fake_llm import FakeLLM, Step

    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    fake = await FakeLLM().start()
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", llm_base_url=fake.base_url,  # type: ignore[call-arg]
                        llm_model="test-model")
    services = Services(settings=settings, engine=engine)
    try:
        ok, limited = sample("omoide_llm_requests_total", outcome="ok"), sample("omoide_llm_requests_total",
                                                                                 outcome="rate_limited")
        fallbacks = sample("omoide_llm_fallbacks_total")
        nova = services.personas.get("nova")
        assert nova is not None
        reply = await services.conversation.reply(nova, "alice", "hello there", user_name="Alice")
        await reply.saved_memory()
        assert reply.used_llm
        fake.then(Step(status=429, headers={"Retry-After": "3600"}, body="{}"))  # longer than the cap: fall back
        reply = await services.conversation.reply(nova, "alice", "are you there?", user_name="Alice")
        await reply.saved_memory()
        assert not reply.used_llm
        assert sample("omoide_llm_requests_total", outcome="ok") - ok == 2  # the reply and its summary
        assert sample("omoide_llm_requests_total", outcome="rate_limited") - limited == 1
        assert sample("omoide_llm_fallbacks_total") - fallbacks == 1
        llm_spans = [s for s in spans.get_finished_spans() if s.name == "llm"]
        assert len(llm_spans) == 3 and sum(not s.status.is_ok for s in llm_spans) == 1
        assert no_text_in(spans.get_finished_spans(), "hello there", "alice", "Alice")
    finally:
        await services.close()
        await fake.stop()


def test_the_grafana_dashboard_reads_only_metrics_that_exist() -> None:
    import re

    root = Path(__file__).resolve().parents[2]
    dashboard = json.loads((root / "docs" / "grafana-omoide.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    used = {re.sub(r"_(bucket|sum|count|total)$", "", name) for e in exprs for name in re.findall(r"omoide_\w+", e)}
    source = "".join(p.read_text() for p in (root / "bot" / "telemetry").glob("*.py"))
    defined = set(re.findall(r'"(omoide_\w+)"', source))
    assert used and used <= defined, used - defined


async def test_readiness_needs_the_schema_at_this_releases_revision(api: ApiServer, engine: MemoryEngine) -> None:
    async with api.client() as c:
        r = await c.get("/health/ready")
        assert r.status_code == 200 and r.json()["checks"]["migrations"] == {
            "ok": True, "detail": f"at revision {head()} (head)"}

        async with sqlite_store(engine).db.begin() as conn:  # the schema record of a database from before migrations
            await conn.execute(text("DELETE FROM alembic_version"))
        r = await c.get("/health/ready")
        assert r.status_code == 503
        body = r.json()
        assert body["status"] == "not_ready" and body["checks"]["database"]["ok"]
        assert body["problems"] == [f"migrations: the schema is at revision none, this release needs {head()}: "
                                    "run `python -m bot db upgrade`"]

        await upgrade(sqlite_store(engine).db)  # what `python -m bot db upgrade` runs
        r = await c.get("/health/ready")
        assert r.status_code == 200 and r.json()["status"] == "ready"
