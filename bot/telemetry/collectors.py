"""Metrics read from live objects when Prometheus scrapes: index sizes per cube, the database pool, the
scheduled jobs, the Discord connection and the livestream counters. Nothing is counted twice: these
objects already keep the numbers (JobStatus, Stream.counts, the index), the collector only reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.livestream.events import PAID_TYPES

if TYPE_CHECKING:
    from bot.livestream import Stream
    from bot.services import Services

MAX_CUBES = 500  # beyond this many cubes, the smallest are summed under cube="_other" (bounded series)
StreamsOf = Callable[[], Iterable[tuple[str, "Stream"]]]


class ProcessCollector(Collector):
    """One per application: what `services` (and the app's livestreams) hold right now."""

    def __init__(self, services: Services, streams: StreamsOf | None = None) -> None:
        self.services = services
        self.streams = streams

    def collect(self) -> Iterator[Metric]:
        yield from self._indexes()
        yield from self._pool()
        yield from self._jobs()
        yield from self._discord()
        yield from self._livestreams()

    def _indexes(self) -> Iterator[Metric]:
        cubes = self.services.engine.store_stats().cubes
        sizes = [(c.tenant, c.cube, c.alive, c.total) for c in cubes]
        sizes.sort(key=lambda x: -x[3])
        if len(sizes) > MAX_CUBES:
            rest = sizes[MAX_CUBES:]
            sizes = [*sizes[:MAX_CUBES], ("_other", "_other", sum(x[2] for x in rest), sum(x[3] for x in rest))]
        alive = GaugeMetricFamily("omoide_index_vectors", "Searchable vectors in a cube's index",
                                  labels=["tenant", "cube"])
        total = GaugeMetricFamily("omoide_index_entries", "Entries in a cube's index, deleted ones included",
                                  labels=["tenant", "cube"])
        share = GaugeMetricFamily("omoide_index_deleted_share",
                                  "Share of a cube's index entries that are deleted (rebuilt at "
                                  "INDEX_REBUILD_DELETED_SHARE)", labels=["tenant", "cube"])
        for tenant, cube, a, t in sizes:
            alive.add_metric([tenant, cube], a)
            total.add_metric([tenant, cube], t)
            share.add_metric([tenant, cube], 0.0 if not t else 1.0 - a / t)
        yield from (alive, total, share)
        yield GaugeMetricFamily("omoide_index_cubes", "Cubes with an index", value=len(cubes))

    def _pool(self) -> Iterator[Metric]:
        pool = self.services.engine.store_stats().pool
        if pool is None:  # a pool without counts (NullPool, StaticPool)
            return
        yield GaugeMetricFamily("omoide_db_pool_size", "Connections the database pool keeps", value=pool.size)
        yield GaugeMetricFamily("omoide_db_pool_checked_out", "Database connections in use now",
                                value=pool.checked_out)
        yield GaugeMetricFamily("omoide_db_pool_overflow", "Connections open beyond the pool size (negative: "
                                "room left before the pool is full)", value=pool.overflow)

    def _jobs(self) -> Iterator[Metric]:
        jobs = self.services.jobs
        if jobs is None:
            return
        runs = CounterMetricFamily("omoide_job_runs", "Runs of a scheduled job", labels=["job"])
        failures = CounterMetricFamily("omoide_job_failures", "Failed runs of a scheduled job", labels=["job"])
        last = GaugeMetricFamily("omoide_job_last_run_timestamp_seconds", "When the job last finished (Unix time)",
                                 labels=["job"])
        duration = GaugeMetricFamily("omoide_job_last_duration_seconds", "How long the job's last run took",
                                     labels=["job"])
        ok = GaugeMetricFamily("omoide_job_last_run_ok", "1 when the job's last run succeeded", labels=["job"])
        running = GaugeMetricFamily("omoide_job_running", "1 while the job runs", labels=["job"])
        for st in jobs.list():
            runs.add_metric([st.id], st.runs)
            failures.add_metric([st.id], st.failures)
            running.add_metric([st.id], int(st.running))
            if isinstance(st.last_finished_at, datetime):
                last.add_metric([st.id], st.last_finished_at.timestamp())
                ok.add_metric([st.id], int(st.last_error is None))
            if st.last_duration_ms is not None:
                duration.add_metric([st.id], st.last_duration_ms / 1000.0)
        yield from (runs, failures, last, duration, ok, running)

    def _discord(self) -> Iterator[Metric]:
        """From services.discord_status, as /health and readiness report it."""
        status = self.services.discord_status
        shown = status.as_dict()
        yield GaugeMetricFamily("omoide_discord_configured", "1 when a Discord client runs in this process",
                                value=int(status.configured))
        yield GaugeMetricFamily("omoide_discord_connected", "1 while the gateway connection is up",
                                value=int(shown["connected"]))
        if status.client is None:
            return
        yield GaugeMetricFamily("omoide_discord_shards", "Gateway shards (0 while not connected)",
                                value=shown["shards"])
        yield GaugeMetricFamily("omoide_discord_guilds", "Guilds the bot is in (0 while not connected)",
                                value=shown["guilds"])
        if shown["latency_ms"] is not None:
            yield GaugeMetricFamily("omoide_discord_gateway_latency_seconds",
                                    "Time between a gateway heartbeat and its acknowledgement",
                                    value=shown["latency_ms"] / 1000.0)

    def _livestreams(self) -> Iterator[Metric]:
        if self.streams is None:
            return
        events = CounterMetricFamily("omoide_livestream_events", "Live-chat events received",
                                     labels=["persona", "type"])
        paid = CounterMetricFamily("omoide_livestream_paid_events", "Paid events received (superchat, membership, "
                                   "gift)", labels=["persona"])
        answered = CounterMetricFamily("omoide_livestream_answered", "Events answered", labels=["persona"])
        failed = CounterMetricFamily("omoide_livestream_failed", "Events that could not be answered",
                                     labels=["persona"])
        dropped = CounterMetricFamily("omoide_livestream_dropped", "Chat dropped unanswered, by reason",
                                      labels=["persona", "reason"])
        waiting = GaugeMetricFamily("omoide_livestream_waiting", "Events waiting for an answer",
                                    labels=["persona", "kind"])
        for persona, stream in self.streams():
            c = stream.counts
            for key, n in c.items():
                if key.startswith("type:"):
                    events.add_metric([persona, key.removeprefix("type:")], n)
            paid.add_metric([persona], sum(c[f"type:{t}"] for t in PAID_TYPES))
            answered.add_metric([persona], c["answered"])
            failed.add_metric([persona], c["failed"])
            for reason in ("rate_limited", "queue_full"):
                dropped.add_metric([persona, reason], c[f"dropped_{reason}"])
            n_paid, n_chat = stream.waiting
            waiting.add_metric([persona, "paid"], n_paid)
            waiting.add_metric([persona, "chat"], n_chat)
        yield from (events, paid, answered, failed, dropped, waiting)
