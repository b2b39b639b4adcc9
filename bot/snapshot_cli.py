"""`python -m bot snapshot` and `python -m bot restore <snapshot>`: the command-line side of snapshots."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from config import Settings
from memory.errors import OmoideError
from memory.lockfile import DataDirBusyError, DataDirLock, is_locked
from memory.options import EngineOptions
from memory.restore import restore_snapshot
from memory.snapshots import find_snapshot, prune_snapshots, snapshots_root, sqlite_path, take_snapshot

EXIT_BUSY = 4
EXIT_SNAPSHOT = 5


def add_snapshot_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p_snap = sub.add_parser("snapshot", help="take a snapshot of the database and indexes now")
    p_snap.add_argument("--description", help="a note kept in the snapshot's manifest")
    p_res = sub.add_parser("restore", help="restore a snapshot (the bot must be stopped)")
    p_res.add_argument("snapshot", help="a folder name under DATA_DIR/snapshots, or a path")


def run_snapshot_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.command == "snapshot":
            return _snapshot(settings, args.description)
        return _restore(settings, args.snapshot)
    except DataDirBusyError as exc:
        print(f"refused: {exc.message}", file=sys.stderr)
        return EXIT_BUSY
    except OmoideError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_SNAPSHOT


def _paths(settings: Settings) -> tuple[Path, Path, Path]:
    opts = EngineOptions.from_settings(settings)
    return sqlite_path(opts.url), opts.index_dir, snapshots_root(settings.data_dir)


def _snapshot(settings: Settings, description: str | None) -> int:
    db_file, index_dir, root = _paths(settings)
    if is_locked(settings.data_dir):
        print("the bot is running: the database is copied live; its index files as last saved "
              "(a restore catches them up)")
        info = asyncio.run(take_snapshot(db_file, index_dir, root, description=description))
    else:
        with DataDirLock(settings.data_dir):  # the bot cannot start half-way through
            info = asyncio.run(take_snapshot(db_file, index_dir, root, description=description))
    removed = prune_snapshots(root, settings.snapshot_keep_count, settings.snapshot_keep_days)
    counts = info.counts
    print(f"snapshot {info.name}: {counts.get('memories', 0)} memories, {counts.get('memory_history', 0)} "
          f"history rows, {info.size_bytes / 1e6:.1f} MB in {info.path}")
    if removed:
        print(f"removed by retention: {', '.join(removed)}")
    return 0


def _restore(settings: Settings, name: str) -> int:
    db_file, index_dir, root = _paths(settings)
    path = find_snapshot(root, name)
    report = restore_snapshot(path, settings.data_dir, db_file, index_dir)
    print(f"restored {report.snapshot}: {report.counts.get('memories', 0)} memories; checksums and "
          "PRAGMA integrity_check passed")
    if report.replaced_dir:
        print(f"the data it replaced is kept in {report.replaced_dir}")
    return 0
