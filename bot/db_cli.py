"""`python -m bot db upgrade` and `python -m bot db current`: the database schema by hand.

Every start upgrades the schema too (memory.db.migrate); these let an operator do it before rolling out
several processes, or check where a database stands. Errors are one line naming what to fix.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cluster.dsn import is_postgres
from bot.db_copy_cli import add_copy_command, run_copy
from bot.snapshot_cli import EXIT_BUSY
from config import Settings
from memory.db.database_url import DatabaseUrlError, check_reachable, check_url, shown
from memory.db.migrate import INITIAL_REVISION, current, head, upgrade
from memory.db.session import create_engine
from memory.errors import OmoideError
from memory.lockfile import DataDirBusyError, DataDirLock
from memory.options import EngineOptions

EXIT_DATABASE = 2


def add_db_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p_db = sub.add_parser("db", help="the database schema: upgrade it to this release or show its revision")
    actions = p_db.add_subparsers(dest="db_command", required=True)
    actions.add_parser("upgrade", help="bring the database to this release's schema (every start does it too)")
    actions.add_parser("current", help="print the database's schema revision and whether it is this release's")
    add_copy_command(actions)


def run_db_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.db_command == "copy":
        return run_copy(args, settings)
    try:
        return asyncio.run(ACTIONS[args.db_command](settings))
    except DataDirBusyError as exc:
        print(f"refused: {exc.message}", file=sys.stderr)
        return EXIT_BUSY
    except OmoideError as exc:  # DatabaseUrlError, a schema this release cannot upgrade
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_DATABASE


async def open_database(url: str) -> AsyncEngine:
    """An engine on DATABASE_URL that has answered once, or DatabaseUrlError saying what to fix."""
    check_url(url)
    try:
        db = create_engine(url)
    except OSError as exc:  # SQLite: the database file's folder cannot be made
        raise DatabaseUrlError(f"DATABASE_URL {shown(url)}: {exc.strerror or exc}") from exc
    try:
        await check_reachable(db)
    except BaseException:
        await db.dispose()
        raise
    return db


def _owner_lock(settings: Settings, url: str) -> AbstractContextManager[object]:
    """SQLite: the data-dir lock, so the schema never changes under a running bot. PostgreSQL: none here
    (the upgrade takes an advisory lock; processes of this release already run on its schema)."""
    return nullcontext() if is_postgres(url) else DataDirLock(settings.data_dir)


async def _upgrade(settings: Settings) -> int:
    url = EngineOptions.from_settings(settings).url
    db = await open_database(url)
    try:
        with _owner_lock(settings, url):
            outcome = await upgrade(db)
    finally:
        await db.dispose()
    if outcome.before == outcome.after:
        print(f"{outcome.after} (head): the database is up to date")
    else:
        if outcome.adopted:
            print(f"the database was made before schema migrations: checked it against {INITIAL_REVISION} and "
                  f"stamped it")
        print(f"upgraded {outcome.before or 'an empty database'} -> {outcome.after} (head)")
    return 0


async def _current(settings: Settings) -> int:
    db = await open_database(EngineOptions.from_settings(settings).url)
    try:
        revision = await current(db)
    finally:
        await db.dispose()
    if revision == head():
        print(f"{revision} (head)")
    elif revision is None:
        print(f"none: no schema yet, or one made before migrations; `python -m bot db upgrade` brings it to {head()}")
    else:
        print(f"{revision} (the head is {head()}: run `python -m bot db upgrade`)")
    return 0


ACTIONS: dict[str, Callable[[Settings], Coroutine[Any, Any, int]]] = {"upgrade": _upgrade, "current": _current}
