"""The `db copy` command line (the copy itself is bot.db_copy, imported only when the command runs: it
pulls in the PostgreSQL driver and the tokenizer)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import DBAPIError

from config import Settings
from memory.errors import OmoideError
from memory.lockfile import DataDirBusyError, DataDirLock
from memory.options import EngineOptions

EXIT_REFUSED = 2


def add_copy_command(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`copy` beside the other `db` actions."""
    p = actions.add_parser("copy", help="copy this data dir's SQLite database into PostgreSQL (memories, vectors, "
                                        "history, keys, users, conversations, Resonant)")
    p.add_argument("--to", required=True, metavar="postgresql+asyncpg://USER@HOST/DB",
                   help="the target database (its schema made by `python -m bot db upgrade`)")
    p.add_argument("--replace", action="store_true", help="delete what the target holds first")


def run_copy(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from bot.db_copy import copy_database
    from memory.store.postgres.connect import parse_url

    source = EngineOptions.from_settings(settings).url
    if not source.startswith("sqlite"):
        print("error: db copy reads a SQLite data dir; DATABASE_URL points elsewhere (unset it to copy DATA_DIR's "
              "database)", file=sys.stderr)
        return EXIT_REFUSED
    if not (settings.data_dir / "omoide.db").exists():
        print(f"error: no database in DATA_DIR ({settings.data_dir}): nothing to copy", file=sys.stderr)
        return EXIT_REFUSED
    bar: Any = None

    def progress(total: int) -> Callable[[int], Any]:
        nonlocal bar
        bar = tqdm(total=total, unit="row", desc="copying to PostgreSQL")
        return bar.update  # type: ignore[no-any-return]

    try:
        with DataDirLock(settings.data_dir):  # never beside a running bot
            report = asyncio.run(copy_database(source, args.to, replace=args.replace, progress=progress))
    except DataDirBusyError as exc:
        print(f"refused: {exc.message}", file=sys.stderr)
        return EXIT_REFUSED
    except OmoideError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_REFUSED
    except DBAPIError as exc:  # a row PostgreSQL refuses (SQLite does not check VARCHAR lengths, for one)
        print(f"error: the copy stopped and was rolled back, the target is unchanged: {exc.orig or exc}",
              file=sys.stderr)
        return EXIT_REFUSED
    finally:
        if bar is not None:
            bar.close()
    memories = report.rows.get("memories", 0)
    print(f"copied {sum(report.rows.values())} rows ({memories} memories with their vectors) into "
          f"{parse_url(args.to).render_as_string(hide_password=True)}; counts checked")
    return 0
