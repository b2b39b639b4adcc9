"""Command line of the bot process."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.db_cli import add_db_commands, run_db_command
from bot.logs import setup_logging
from bot.mcp.command import add_mcp_command
from bot.personas import PersonaError
from bot.run_modes import SQLITE_ONE_PROCESS, add_run_mode_commands, check_shards, mode_of, refusal
from bot.secrets_cli import COMMANDS as SECRET_COMMANDS
from bot.secrets_cli import add_secret_commands, run_secret_command
from bot.snapshot_cli import EXIT_BUSY, add_snapshot_commands, run_snapshot_command
from config import Settings, SettingsError, load_settings
from memory.errors import EmbeddingMismatchError, RerankerUnavailableError, StoreUnavailableError
from memory.file_modes import private_umask
from memory.lockfile import DataDirBusyError, DataDirLock

log = logging.getLogger("omoide")


async def _reindex(settings: Settings, re_embed: bool) -> None:
    from tqdm import tqdm

    from memory.engine import MemoryEngine
    from memory.maintenance import count_memories, rebuild_indexes, reembed_all
    from memory.options import EngineOptions

    lock = DataDirLock(settings.data_dir).acquire()  # never beside a running bot
    engine = await MemoryEngine.open(EngineOptions.from_settings(settings), allow_model_change=re_embed)
    try:
        if re_embed:
            total = await count_memories(engine)
            with tqdm(total=total, unit="memory", desc=f"re-embedding with {engine.embeddings.model_id}") as bar:
                done = await reembed_all(engine, progress=bar.update)
            print(f"re-embedded {done} memories; indexes rebuilt")
        else:
            cubes = await rebuild_indexes(engine)
            print(f"rebuilt {cubes} cube indexes from stored vectors")
    finally:
        await engine.close()
        lock.release()


async def _chat(settings: Settings, persona_name: str, user: str) -> int:
    from bot.conversation.terminal import terminal_chat
    from bot.personas import PersonaRegistry
    from bot.services import Services

    persona = PersonaRegistry.load(settings.personas_dir, settings.default_persona).find(persona_name)
    if persona is None:
        known = ", ".join(PersonaRegistry.load(settings.personas_dir, settings.default_persona).names())
        print(f"no persona called {persona_name!r}; known: {known}")
        return 2
    services = await Services.start(settings)
    try:
        await terminal_chat(services, persona, user)
    finally:
        await services.close()
    return 0


def _live_overrides(args: argparse.Namespace) -> dict[str, object]:
    """`python -m bot live --persona/--youtube/--twitch` win over LIVE_PERSONA/LIVE_YOUTUBE/LIVE_TWITCH."""
    if args.command != "live":
        return {}
    given = {"live_persona": args.persona, "live_youtube": args.youtube, "live_twitch": args.twitch}
    return {name: value for name, value in given.items() if value}


def _port_override(args: argparse.Namespace) -> dict[str, object]:
    """`--port` of the api, discord and jobs modes wins over API_PORT."""
    port = getattr(args, "port", None)
    return {} if port is None else {"api_port": port}


def build_parser() -> argparse.ArgumentParser:
    """Every command and run mode of `python -m bot`."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Omoide bot process")
    sub = parser.add_subparsers(dest="command")
    add_run_mode_commands(sub)  # run, api, discord, jobs
    p_re = sub.add_parser("reindex", help="rebuild every vector index from the database")
    p_re.add_argument("--re-embed", action="store_true", help="re-embed every memory with EMBEDDING_MODEL first")
    add_snapshot_commands(sub)
    add_secret_commands(sub)
    add_db_commands(sub)
    p_chat = sub.add_parser("chat", help="talk with a persona in the terminal (same memory as the Discord bot)")
    p_chat.add_argument("--persona", default=None, help="memory_id or display name (default: DEFAULT_PERSONA)")
    p_chat.add_argument("--user", default="terminal", help="whose memories to use (default: terminal)")
    add_mcp_command(sub)
    p_live = sub.add_parser("live", help="read YouTube / Twitch live chat and answer it as a persona (with the API)")
    p_live.add_argument("--persona", default=None, help="memory_id or display name (default: LIVE_PERSONA)")
    p_live.add_argument("--youtube", default=None, help="video id or URL, channel id (UC...) or @handle")
    p_live.add_argument("--twitch", default=None, help="Twitch channel name")
    sub.add_parser("doctor", help="check the data dir, personas, model, Discord token and language model; "
                                  "print what to fix")
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, checked (a bad one exits 2 with argparse's usage line naming the option)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    check_shards(parser, args)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    private_umask()  # the database, its WAL, indexes, snapshots and keys: readable by their owner only
    try:
        settings = load_settings(**_live_overrides(args), **_port_override(args))
    except SettingsError as exc:
        print(exc)
        return 2
    if args.command == "live" and not (settings.live_youtube or settings.live_twitch):
        print("nothing to read: give --youtube and/or --twitch (or set LIVE_YOUTUBE / LIVE_TWITCH)")
        return 2
    setup_logging(settings.log_level, settings.log_format)
    if args.command in ("snapshot", "restore"):
        return run_snapshot_command(args, settings)
    if args.command in SECRET_COMMANDS:
        return run_secret_command(args, settings)
    if args.command == "db":
        return run_db_command(args, settings)
    if args.command == "doctor":
        from bot.doctor import run_doctor
        return run_doctor(settings, sys.stdout)
    mode, workers = mode_of(args), getattr(args, "workers", 1)
    if (why := refusal(mode, settings, workers)) is not None:
        print(why)
        return 2
    if workers > 1:
        from bot.cluster.workers import run_workers
        return run_workers(settings, workers)
    try:
        if args.command == "reindex":
            asyncio.run(_reindex(settings, args.re_embed))
        elif args.command == "chat":
            return asyncio.run(_chat(settings, args.persona or settings.default_persona, args.user))
        elif args.command == "mcp":
            from bot.mcp.stdio import serve_stdio
            return asyncio.run(serve_stdio(settings, args))
        else:
            from bot.runner import ApiListenError, serve
            try:
                asyncio.run(serve(settings, mode))
            except ApiListenError as exc:
                log.error("%s", exc.message)
                return 2
    except EmbeddingMismatchError as exc:
        log.error("%s", exc)
        return 3
    except StoreUnavailableError as exc:  # DatabaseUrlError too: one line naming DATABASE_URL and what to fix
        log.error("%s", exc.message)
        return 2
    except RerankerUnavailableError as exc:  # one line naming RERANK_MODEL and what to fix
        log.error("%s", exc.message)
        return 2
    except DataDirBusyError as exc:
        log.error("%s", exc.message)
        if args.command == "chat":
            log.error("The running bot owns the memories: talk to it on Discord (!chat), or stop it and run "
                      "`python -m bot chat` again (README, \"Try it in the terminal\")")
        elif args.command in (None, "run", "api", "discord", "jobs", "live"):
            log.error("Why: %s", SQLITE_ONE_PROCESS)
        return EXIT_BUSY
    except (PersonaError, SettingsError) as exc:  # SettingsError: a live connector setting (LIVE_*)
        print(exc)
        return 2
    except KeyboardInterrupt:
        pass
    return 0
