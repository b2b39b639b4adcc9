"""Restoring a snapshot: verified, staged, checked, then swapped in; the replaced data is kept.

Restore refuses while another process (the bot) holds the data directory's lock, and holds the lock
itself so the bot cannot start half-way. Every file's SHA-256 is checked against the manifest while it
is copied into a staging folder; the staged database must pass `PRAGMA integrity_check` and hold
exactly the manifest's row counts. Only then is the current database (with its -wal/-shm) and index
folder moved to `DATA_DIR/replaced-<UTC timestamp>/` and the staged files moved into place, so a
restore can itself be undone by hand. Index files are caught up or rebuilt at the next start.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memory.clock import utcnow
from memory.file_modes import make_private
from memory.lockfile import DataDirLock
from memory.snapshots import (
    DB_FILE,
    INDEX_DIR,
    SnapshotError,
    fsync_path,
    integrity_check,
    manifest_files,
    path_inside,
    read_snapshot,
    sha256_file,
    table_counts,
)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RestoreReport:
    snapshot: str
    counts: dict[str, int]
    replaced_dir: Path | None


def verify_snapshot(path: Path) -> dict[str, Any]:
    """Check every file listed in the manifest (size and SHA-256); returns the manifest."""
    manifest = read_snapshot(path).manifest
    files = manifest_files(manifest, path.name)
    if DB_FILE not in files:
        raise SnapshotError(f"snapshot {path.name} lists no {DB_FILE}", field="snapshot")
    for rel, meta in files.items():
        _check_file(path_inside(path, rel), rel, meta)
    return manifest


def _check_file(p: Path, rel: str, meta: dict[str, Any]) -> None:
    if not p.is_file():
        raise SnapshotError(f"snapshot file {rel} is missing", field="snapshot")
    if p.stat().st_size != meta["size"] or sha256_file(p) != meta["sha256"]:
        raise SnapshotError(f"snapshot file {rel} does not match its checksum (damaged or changed)",
                            field="snapshot")


def _copy_checked(src: Path, dst: Path, rel: str, meta: dict[str, Any]) -> None:
    """Copy while hashing, so what lands in the data directory is what the manifest promises."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    size = 0
    with src.open("rb") as fin, dst.open("wb") as fout:
        for chunk in iter(lambda: fin.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    if size != meta["size"] or h.hexdigest() != meta["sha256"]:
        raise SnapshotError(f"snapshot file {rel} does not match its checksum (damaged or changed)",
                            field="snapshot")


def restore_snapshot(snapshot: Path, data_dir: Path, db_file: Path, index_dir: Path) -> RestoreReport:
    """Replace the data directory's database and indexes with a snapshot's (blocking; run it off-loop)."""
    with DataDirLock(data_dir):
        manifest = read_snapshot(snapshot).manifest
        files = manifest_files(manifest, snapshot.name)  # every path relative, none with `..`
        if DB_FILE not in files:
            raise SnapshotError(f"snapshot {snapshot.name} lists no {DB_FILE}", field="snapshot")
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
        staging = data_dir / f".restore-{stamp}"
        try:
            for rel, meta in files.items():
                if not (rel == DB_FILE or rel.startswith(f"{INDEX_DIR}/")):
                    continue
                src = path_inside(snapshot, rel)
                if not src.is_file():
                    raise SnapshotError(f"snapshot file {rel} is missing", field="snapshot")
                staging.mkdir(exist_ok=True)
                _copy_checked(src, path_inside(staging, rel), rel, meta)
            status = integrity_check(staging / DB_FILE)
            if status != "ok":
                raise SnapshotError(f"restored database fails PRAGMA integrity_check: {status}", field="snapshot")
            counts = table_counts(staging / DB_FILE)
            if counts != manifest.get("counts"):
                raise SnapshotError("restored database's row counts differ from the manifest", field="snapshot")
            replaced = _swap_in(staging, data_dir, db_file, index_dir, stamp)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        make_private(data_dir)
    log.info("restored snapshot %s (%d memories); previous data kept in %s", snapshot.name,
             counts.get("memories", 0), replaced)
    return RestoreReport(snapshot.name, counts, replaced)


def _swap_in(staging: Path, data_dir: Path, db_file: Path, index_dir: Path, stamp: str) -> Path | None:
    """Move the current data aside (kept), then the staged files into place."""
    replaced = data_dir / f"replaced-{stamp}"
    moved = False
    for p in (db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm"), Path(f"{db_file}-journal"), index_dir):
        if p.exists():
            replaced.mkdir(parents=True, exist_ok=True)
            shutil.move(str(p), str(replaced / p.name))
            moved = True
    db_file.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(staging / DB_FILE), str(db_file))
    staged_indexes = staging / INDEX_DIR
    if staged_indexes.is_dir():
        shutil.move(str(staged_indexes), str(index_dir))
    else:
        index_dir.mkdir(parents=True, exist_ok=True)
    fsync_path(db_file.parent)
    return replaced if moved else None
