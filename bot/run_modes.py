"""What a `python -m bot` process runs: everything (the default), the API, Discord shards or the jobs.

With SQLite one process owns DATA_DIR, so a mode only chooses what that one process does. With a
`postgresql` DATABASE_URL any mix of these processes shares the store (README, "Run modes").
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from bot.cluster.dsn import is_postgres
from config import Settings

SQLITE_ONE_PROCESS = ("with SQLite one process owns DATA_DIR (one writer; the vector indexes live in that "
                      "process's memory), so Omoide runs as one process there. To run several (API workers, "
                      "Discord shards, a jobs process) on one store, set DATABASE_URL=postgresql+asyncpg://... "
                      "(README, \"Run modes\")")


@dataclass(frozen=True, slots=True)
class RunMode:
    name: str  # run, api, discord, jobs, live
    api: bool = True  # the whole API; False: only /health/live and /health/ready on API_PORT
    discord: bool = True
    shard_ids: tuple[int, ...] | None = None
    shard_count: int | None = None
    reuse_port: bool = False  # one of `api --workers N`: the workers share API_PORT (SO_REUSEPORT)

    @property
    def jobs_first(self) -> bool:
        """A dedicated jobs process contends for the jobs at once; the others stand by."""
        return self.name == "jobs"


def shard_ids(text: str) -> tuple[int, ...]:
    """`0,1` -> (0, 1): argparse's type for --shard-ids."""
    try:
        ids = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--shard-ids takes shard numbers separated by commas (0,1), not {text!r}") from None
    if not ids or min(ids) < 0 or len(set(ids)) != len(ids):
        raise argparse.ArgumentTypeError(f"--shard-ids takes distinct shard numbers from 0 (0,1), not {text!r}")
    return ids


def positive(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def port(text: str) -> int:
    value = int(text) if text.isdigit() else -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, not {text!r}")
    return value


def add_run_mode_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser("run", help="start the bot, the API and the scheduled jobs (the default)")
    p_api = sub.add_parser("api", help="serve the side API alone (no Discord client)")
    p_api.add_argument("--workers", type=positive, default=1,
                       help="API processes sharing the port (SO_REUSEPORT); more than 1 needs PostgreSQL")
    p_api.add_argument("--port", type=port, default=None, help="listen port (default: API_PORT)")
    p_api.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)  # set by --workers
    p_dc = sub.add_parser("discord", help="run the Discord client alone (health on API_PORT); shards with "
                                          "--shard-ids/--shard-count")
    p_dc.add_argument("--shard-ids", type=shard_ids, default=None, help="shards this process runs, e.g. 0,1")
    p_dc.add_argument("--shard-count", type=positive, default=None, help="shards of the whole bot, e.g. 4")
    p_dc.add_argument("--port", type=port, default=None, help="health listen port (default: API_PORT)")
    p_jobs = sub.add_parser("jobs", help="run the scheduled jobs alone (health on API_PORT)")
    p_jobs.add_argument("--port", type=port, default=None, help="health listen port (default: API_PORT)")


def check_shards(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """--shard-ids needs --shard-count, and every id must be below it (argparse's usage error otherwise)."""
    if args.command != "discord" or args.shard_ids is None:
        return
    if args.shard_count is None:
        parser.error("--shard-ids needs --shard-count (the bot's total number of shards)")
    too_big = [i for i in args.shard_ids if i >= args.shard_count]
    if too_big:
        parser.error(f"--shard-ids {','.join(map(str, too_big))}: shards are numbered 0 to {args.shard_count - 1} "
                     f"with --shard-count {args.shard_count}")


def mode_of(args: argparse.Namespace) -> RunMode:
    command = args.command or "run"
    if command == "api":
        return RunMode("api", discord=False, reuse_port=args.reuse_port)
    if command == "live":
        return RunMode("live", discord=False)
    if command == "discord":
        count = args.shard_count
        ids = args.shard_ids if args.shard_ids is not None else (tuple(range(count)) if count else None)
        return RunMode("discord", api=False, shard_ids=ids, shard_count=count)
    if command == "jobs":
        return RunMode("jobs", api=False, discord=False)
    return RunMode("run")


def refusal(mode: RunMode, settings: Settings, workers: int = 1) -> str | None:
    """Why this process should not start as asked (printed, exit 2), or None."""
    if workers > 1 and not is_postgres(settings.database_url):
        return f"--workers {workers} needs PostgreSQL: {SQLITE_ONE_PROCESS}"
    if workers > 1 and settings.api_port == 0:
        return f"--workers {workers} share one port: give --port or API_PORT (not 0)"
    if mode.name == "discord" and settings.discord_token is None:
        return "python -m bot discord needs DISCORD_TOKEN (in .env or the environment)"
    if mode.name == "jobs" and not settings.jobs_enabled:
        return "python -m bot jobs has nothing to run: JOBS_ENABLED is off"
    return None
