"""The run modes of `python -m bot`: what each command line means, and what SQLite refuses (and why)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import discord
import pytest

from bot.cli import parse_args
from bot.discord.client import make_bot
from bot.run_modes import RunMode, mode_of
from bot.services import Services
from bot.snapshot_cli import EXIT_BUSY
from config import Settings
from memory.engine import MemoryEngine
from memory.lockfile import DataDirLock
from tests.botproc import ROOT, BotProcess, bot_command, bot_env, run_cli, seed_model


@pytest.mark.parametrize(("argv", "expected"), [
    ([], RunMode("run")),
    (["run"], RunMode("run")),
    (["api"], RunMode("api", discord=False)),
    (["api", "--workers", "3", "--port", "8001"], RunMode("api", discord=False)),
    (["discord"], RunMode("discord", api=False)),
    (["discord", "--shard-ids", "0,1", "--shard-count", "4"],
     RunMode("discord", api=False, shard_ids=(0, 1), shard_count=4)),
    (["discord", "--shard-count", "2"], RunMode("discord", api=False, shard_ids=(0, 1), shard_count=2)),
    (["jobs"], RunMode("jobs", api=False, discord=False)),
    (["live", "--twitch", "somechannel"], RunMode("live", discord=False)),
])
def test_each_mode_parses_to_what_the_process_runs(argv: list[str], expected: RunMode) -> None:
    assert mode_of(parse_args(argv)) == expected


def test_api_options_are_read() -> None:
    args = parse_args(["api", "--workers", "3", "--port", "8001"])
    assert (args.workers, args.port) == (3, 8001)
    assert mode_of(parse_args(["api", "--reuse-port"])).reuse_port  # what --workers gives each worker
    assert mode_of(parse_args(["jobs"])).jobs_first and not mode_of(parse_args(["api"])).jobs_first


@pytest.mark.parametrize(("argv", "says"), [
    (["discord", "--shard-ids", "0,1"], "--shard-ids needs --shard-count"),
    (["discord", "--shard-ids", "0,4", "--shard-count", "4"], "shards are numbered 0 to 3"),
    (["discord", "--shard-ids", "zero", "--shard-count", "4"], "shard numbers separated by commas"),
    (["discord", "--shard-ids", "1,1", "--shard-count", "4"], "distinct shard numbers"),
    (["api", "--workers", "0"], "at least 1"),
    (["api", "--port", "70000"], "a port from 0 to 65535"),
])
def test_a_bad_command_line_exits_2_naming_the_option(argv: list[str], says: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args(argv)
    assert stopped.value.code == 2
    assert says in capsys.readouterr().err


def test_several_api_workers_on_sqlite_are_refused_with_why(tmp_path: Path) -> None:
    proc = run_cli(tmp_path / "data", "api", "--workers", "2", "--port", "8765")
    assert proc.returncode == 2, proc.stderr
    assert "--workers 2 needs PostgreSQL" in proc.stdout
    assert "one process owns DATA_DIR" in proc.stdout and "DATABASE_URL=postgresql+asyncpg://" in proc.stdout


def test_a_second_process_on_a_sqlite_data_dir_says_why_and_points_to_postgresql(tmp_path: Path) -> None:
    lock = DataDirLock(tmp_path / "data").acquire()  # a running `python -m bot` holds it
    try:
        proc = subprocess.run(bot_command("api"), cwd=ROOT, env=bot_env(tmp_path / "data"), capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)
    finally:
        lock.release()
    assert proc.returncode == EXIT_BUSY and "Traceback" not in proc.stderr
    assert "the bot is running" in proc.stderr
    assert "with SQLite one process owns DATA_DIR" in proc.stderr
    assert "DATABASE_URL=postgresql+asyncpg://" in proc.stderr and "Run modes" in proc.stderr


def test_discord_mode_without_a_token_says_what_is_missing(tmp_path: Path) -> None:
    proc = run_cli(tmp_path / "data", "discord", "--shard-ids", "0", "--shard-count", "2")
    assert proc.returncode == 2 and "needs DISCORD_TOKEN" in proc.stdout


async def test_sharded_clients_run_their_shards_and_only_shard_0_syncs_commands(tmp_path: Path,
                                                                               engine: MemoryEngine) -> None:
    services = Services(settings=Settings(_env_file=None, data_dir=tmp_path / "data"), engine=engine)  # type: ignore[call-arg]
    try:
        first = make_bot(services, shard_ids=(0, 1), shard_count=4)
        second = make_bot(services, shard_ids=(2, 3), shard_count=4)
        plain = make_bot(services)
        assert isinstance(first, discord.AutoShardedClient) and isinstance(second, discord.AutoShardedClient)
        assert (first.shard_ids, first.shard_count) == ([0, 1], 4)
        assert first.sync_commands and not second.sync_commands
        assert not isinstance(plain, discord.AutoShardedClient) and plain.sync_commands
        for bot in (first, second, plain):
            await bot.close()
    finally:
        await services.close()


def test_a_jobs_process_serves_health_only(tmp_path: Path, model_dir: Path) -> None:
    data = tmp_path / "data"
    seed_model(model_dir, data)
    jobs = BotProcess(data, "jobs")
    try:
        status, ready = jobs.get("/health/ready")
        assert status == 200 and ready["checks"]["database"]["ok"] and ready["checks"]["model"]["ok"]
        status, live = jobs.get("/health/live")
        assert status == 200 and live["status"] == "alive"
        status, _ = jobs.get("/v1/memory/search?tenant_id=t&query=q")  # no API in this process
        assert status == 404
    finally:
        code = jobs.stop(90)
    assert code == 0, jobs.log
    assert "jobs health listening on http://127.0.0.1:" in jobs.log
    assert "scheduler started: ttl_sweep" in jobs.log  # SQLite: the one process leads at once
    assert "stopped cleanly" in jobs.log
