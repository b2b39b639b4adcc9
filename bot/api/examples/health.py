"""Health, readiness and metrics.

Requests and answers recorded from a real server; ids, keys and times made stable.
"""

from bot.api.examples.base import OpExample

EXAMPLES: dict[str, OpExample] = {
    "GET /health/": OpExample(
        summary="The seed's health check",
        response={
            "status": "healthy",
            "service": "omoide",
            "embedding_model": "omoide/multilingual-e5-small-q4",
            "embedding_dim": 384,
            "cubes": 0,
            "uptime_seconds": 1.2,
            "live_connectors": [],
            "discord": {
                "configured": False, "state": "off", "connected": False, "shards": 0, "latency_ms": None, "guilds": 0,
                "attempts": 0, "connected_at": None, "last_error": None, "last_error_at": None,
            },
        },
    ),
    "GET /health": OpExample(
        summary="Health without the trailing slash",
        response={
            "status": "healthy",
            "service": "omoide",
            "embedding_model": "omoide/multilingual-e5-small-q4",
            "embedding_dim": 384,
            "cubes": 0,
            "uptime_seconds": 1.2,
            "live_connectors": [],
            "discord": {
                "configured": False, "state": "off", "connected": False, "shards": 0, "latency_ms": None, "guilds": 0,
                "attempts": 0, "connected_at": None, "last_error": None, "last_error_at": None,
            },
        },
    ),
    "GET /health/live": OpExample(
        summary="The process is up",
        response={"status": "alive", "uptime_seconds": 1.2},
    ),
    "GET /health/ready": OpExample(
        summary="Database, schema revision, model and Discord checked",
        response={
            "status": "ready",
            "checks": {
                "database": {"ok": True, "detail": "reachable"},
                "migrations": {"ok": True, "detail": "at revision 0002 (head)"},
                "model": {"ok": True, "detail": "omoide/multilingual-e5-small-q4 (384 dims) loaded"},
                "discord": {"ok": True, "detail": "DISCORD_TOKEN is not set: the API runs alone", "state": "off"},
            },
            "problems": [],
        },
    ),
    "GET /metrics": OpExample(
        summary="Prometheus text (an excerpt)",
        response=(
            "# HELP python_gc_objects_collected_total Objects collected during gc\n"
            "# TYPE python_gc_objects_collected_total counter\n"
            'python_gc_objects_collected_total{generation="0"} 3434.0\n'
            'python_gc_objects_collected_total{generation="1"} 1382.0\n'
            'python_gc_objects_collected_total{generation="2"} 1232.0\n'
            "# HELP python_gc_objects_uncollectable_total Uncollectable objects found during GC\n"
        ),
    ),
}
