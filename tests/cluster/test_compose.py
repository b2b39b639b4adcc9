"""docker-compose.yml: the topology of README "Run modes", each Omoide command one `python -m bot` accepts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.cli import parse_args
from bot.run_modes import mode_of

ROOT = Path(__file__).resolve().parent.parent.parent


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_every_omoide_service_runs_a_mode_the_cli_accepts() -> None:
    services = _compose()["services"]
    omoide = {name: s for name, s in services.items() if s.get("image") == "omoide:latest"}
    modes = {}
    for name, service in omoide.items():
        command = service["command"]
        assert command[:3] == ["python", "-m", "bot"], name
        modes[name] = (parse_args(command[3:]), mode_of(parse_args(command[3:])))  # argparse exits 2 on a bad one
    assert {name: mode.name for name, (_, mode) in modes.items()} == {"api": "api", "discord": "discord",
                                                                        "jobs": "jobs"}
    assert modes["api"][0].workers == 2  # two API workers


def test_the_processes_share_postgres_and_data_dir_and_report_ready() -> None:
    compose = _compose()
    services = compose["services"]
    assert services["postgres"]["image"].startswith("pgvector/pgvector:pg1")
    for name in ("api", "discord", "jobs"):
        s = services[name]
        assert s["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://"), name
        assert s["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "omoide-data:/data" in s["volumes"]
        assert "/health/ready" in " ".join(s["healthcheck"]["test"])
    assert {"pgdata", "omoide-data"} <= set(compose["volumes"])


def test_prometheus_scrapes_every_process_and_grafana_gets_the_dashboard() -> None:
    services = _compose()["services"]
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    targets = {t for group in scrape["scrape_configs"][0]["static_configs"] for t in group["targets"]}
    assert targets == {"api:9100", "api:9101", "discord:9100", "jobs:9100"}  # worker i: METRICS_PORT + i
    mounts = services["grafana"]["volumes"]
    assert any(m.startswith("./docs/grafana-omoide.json:") for m in mounts)
    for mount in mounts + services["prometheus"]["volumes"]:
        assert (ROOT / mount.split(":")[0]).exists(), mount
