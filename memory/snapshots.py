"""Snapshots: a consistent online copy of the database and the index files, with a manifest.

A snapshot is a folder `DATA_DIR/snapshots/<UTC timestamp>/` holding `omoide.db` (taken with SQLite's
online backup API in one step, so it is one consistent moment even while writes continue: in WAL mode
the writer is never blocked), `indexes/` (the HNSW files and their sidecars, copied as one consistent
set under the engine's write lock) and `manifest.json`: row counts of every table of the copy, size and
SHA-256 of every file, and versions. The index files may be a little older than the database copy;
that is fine, because on start the engine compares each index's generation with the database and
catches it up (or rebuilds it), exactly as after a crash.

The folder is written under a temporary name and renamed when complete, so a snapshot that exists is
whole. Retention keeps the newest `keep_count` of each kind and drops those older than `keep_days`,
never the newest of a kind. Restoring lives in `memory.restore`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from memory.clock import utcnow
from memory.errors import NotFoundError, OmoideError
from memory.file_modes import make_private

if TYPE_CHECKING:
    from memory.engine import MemoryEngine

log = logging.getLogger(__name__)

FORMAT = "omoide-snapshot"
MANIFEST_VERSION = 1
MANIFEST = "manifest.json"
DB_FILE = "omoide.db"
INDEX_DIR = "indexes"
PARTIAL_PREFIX = ".partial-"
PARTIAL_MAX_AGE = timedelta(hours=1)


class SnapshotError(OmoideError):
    """A snapshot cannot be taken, read or restored; the message says which file or setting."""

    error_type = "SnapshotError"


@dataclass(slots=True)
class SnapshotInfo:
    """One snapshot as listed: its folder name, when and why it was taken, and what it holds."""

    name: str
    path: Path
    created_at: datetime
    kind: str
    description: str | None
    tags: list[str]
    counts: dict[str, int]
    size_bytes: int
    manifest: dict[str, Any] = field(repr=False)


# -- small file helpers (shared with memory.restore) ----------------------------------------------
def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fsync_path(path: Path) -> None:
    """Flush a file or a folder entry to disk (a rename is durable only once its folder is synced)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def table_counts(db_file: Path) -> dict[str, int]:
    """Row count of every table in a database file (read-only)."""
    con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {n: int(con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}
    finally:
        con.close()


def integrity_check(db_file: Path) -> str:
    """'ok', or SQLite's first complaint."""
    con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


def sqlite_path(url: str) -> Path:
    """The database file behind a SQLAlchemy URL; snapshots need a SQLite file."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise SnapshotError("snapshots need a SQLite database file; DATABASE_URL points elsewhere",
                            field="DATABASE_URL")
    return Path(parsed.database)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("omoide")
    except PackageNotFoundError:
        return "unknown"


# -- taking one ------------------------------------------------------------------------------------
def _backup_db(src_file: Path, dst_file: Path) -> None:
    """SQLite online backup in one step: one consistent read, writers keep going (WAL)."""
    src = sqlite3.connect(src_file, timeout=30)
    dst = sqlite3.connect(dst_file)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()


def _copy_indexes(index_dir: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    if not index_dir.is_dir():
        return
    for p in sorted(index_dir.iterdir()):
        if p.is_file() and p.suffix in (".hnsw", ".json"):
            shutil.copyfile(p, dst / p.name)


def _embedding_model(db_file: Path) -> str | None:
    con = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT value FROM engine_meta WHERE key='embedding_model'").fetchone()
        return str(row[0]) if row else None
    except sqlite3.OperationalError:
        return None
    finally:
        con.close()


def _finish(tmp: Path, root: Path, created: datetime, kind: str, description: str | None,
            tags: Sequence[str]) -> Path:
    """Check the copy, write the manifest, and move the folder to its final name."""
    db_file = tmp / DB_FILE
    status = integrity_check(db_file)
    if status != "ok":
        raise SnapshotError(f"the database copy failed PRAGMA integrity_check: {status}", field="database")
    files = {}
    for p in sorted(x for x in tmp.rglob("*") if x.is_file()):
        files[p.relative_to(tmp).as_posix()] = {"size": p.stat().st_size, "sha256": sha256_file(p)}
        fsync_path(p)
    manifest = {
        "format": FORMAT, "version": MANIFEST_VERSION, "omoide_version": _version(),
        "sqlite_version": sqlite3.sqlite_version, "created_at": created.isoformat(), "kind": kind,
        "description": description, "tags": list(tags), "embedding_model": _embedding_model(db_file),
        "counts": table_counts(db_file), "files": files,
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    fsync_path(tmp / MANIFEST)
    base = created.strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        final = root / (base if n == 0 else f"{base}-{n}")
        try:
            os.rename(tmp, final)
            fsync_path(root)
            return final
        except OSError:
            if not final.exists():
                raise
    raise SnapshotError(f"too many snapshots named {base}*", field="snapshot")


def _start(db_file: Path, root: Path) -> Path:
    """The temporary folder a snapshot is built in (file-system work, so run off the event loop)."""
    if not db_file.exists():
        raise SnapshotError(f"no database at {db_file} to snapshot", field="DATA_DIR")
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=PARTIAL_PREFIX, dir=root))


async def take_snapshot(db_file: Path, index_dir: Path, root: Path, *, engine: MemoryEngine | None = None,
                        kind: str = "manual", description: str | None = None,
                        tags: Sequence[str] = ()) -> SnapshotInfo:
    """Take a snapshot into `root`; with the live `engine`, its indexes are saved and copied first.

    Without an engine (another process owns the data) the index files are copied as last saved.
    """
    created = utcnow()
    tmp = await asyncio.to_thread(_start, db_file, root)  # a folder left by a cancel here is pruned later
    try:
        if engine is not None:
            await engine.flush_access()
            await engine.persist_indexes()
            async with engine.storage.writing():  # index files change only under this lock: copy a matching set
                await asyncio.to_thread(_copy_indexes, index_dir, tmp / INDEX_DIR)
        else:
            await asyncio.to_thread(_copy_indexes, index_dir, tmp / INDEX_DIR)
        await asyncio.to_thread(_backup_db, db_file, tmp / DB_FILE)
        final = await asyncio.to_thread(_finish, tmp, root, created, kind, description, tags)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    await asyncio.to_thread(make_private, root)
    info = read_snapshot(final)
    log.info("snapshot %s taken: %d memories, %.1f MB", info.name, info.counts.get("memories", 0),
             info.size_bytes / 1e6)
    return info


async def snapshot_engine(engine: MemoryEngine, root: Path | None = None, **kw: Any) -> SnapshotInfo:
    """Snapshot the data the engine is serving, into DATA_DIR/snapshots by default."""
    opts = engine.options
    return await take_snapshot(sqlite_path(opts.url), opts.index_dir, root or snapshots_root(opts.data_dir),
                               engine=engine, **kw)


def snapshots_root(data_dir: Path) -> Path:
    return Path(data_dir) / "snapshots"


# -- reading a manifest (it may come from anywhere: trust nothing in it) ---------------------------
def _relative(rel: Any) -> PurePosixPath:
    """A manifest path as written by `_finish`: relative, POSIX, no `..`; anything else is refused."""
    pure = PurePosixPath(rel) if isinstance(rel, str) else None
    if (pure is None or not rel or "\\" in rel or "\x00" in rel or pure.is_absolute() or ".." in pure.parts
            or rel != pure.as_posix() or rel == "."):
        raise SnapshotError(f"snapshot manifest lists an unsafe path {rel!r}", field="snapshot")
    return pure


def path_inside(folder: Path, rel: str) -> Path:
    """`folder/rel`, refused unless it stays inside `folder` once resolved (symlinks leading out too)."""
    pure = _relative(rel)
    root = folder.resolve()
    target = (root / pure).resolve()
    if not target.is_relative_to(root) or target == root:
        raise SnapshotError(f"snapshot manifest lists a path leading outside its folder: {rel!r}", field="snapshot")
    return folder / pure


def manifest_files(manifest: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    """The manifest's `files`, each a safe relative path with an integer size and a SHA-256."""
    files = manifest.get("files") or {}
    if not isinstance(files, dict):
        raise SnapshotError(f"snapshot {name}: manifest.json 'files' is not an object", field="snapshot")
    for rel, entry in files.items():
        _relative(rel)
        if (not isinstance(entry, dict) or isinstance(entry.get("size"), bool) or not isinstance(entry.get("size"), int)
                or not isinstance(entry.get("sha256"), str)):
            raise SnapshotError(f"snapshot {name}: manifest.json entry for {rel!r} needs an integer size and a "
                                "sha256", field="snapshot")
    return files


# -- listing and retention -------------------------------------------------------------------------
def read_snapshot(path: Path) -> SnapshotInfo:
    """Read a snapshot folder's manifest (no checksum work: see memory.restore.verify_snapshot)."""
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except FileNotFoundError:
        raise NotFoundError(f"no snapshot at {path} (manifest.json missing)", field="snapshot") from None
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"snapshot {path.name}: unreadable manifest.json ({exc})", field="snapshot") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SnapshotError(f"{path} is not an Omoide snapshot", field="snapshot")
    if manifest.get("version") != MANIFEST_VERSION:
        raise SnapshotError(f"snapshot {path.name} has manifest version {manifest.get('version')}; "
                            f"this Omoide reads version {MANIFEST_VERSION}", field="snapshot")
    files = manifest_files(manifest, path.name)
    try:
        created = datetime.fromisoformat(manifest["created_at"])
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        counts = {str(k): int(v) for k, v in dict(manifest.get("counts") or {}).items()}
        tags = [str(t) for t in manifest.get("tags") or []]
        description = manifest.get("description")
        description = None if description is None else str(description)
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"snapshot {path.name}: manifest.json is malformed ({exc!r})", field="snapshot") from None
    return SnapshotInfo(
        name=path.name, path=path, created_at=created, kind=str(manifest.get("kind", "manual")),
        description=description, tags=tags, counts=counts,
        size_bytes=sum(f["size"] for f in files.values()), manifest=manifest)


def list_snapshots(root: Path) -> list[SnapshotInfo]:
    """Every readable snapshot under `root`, newest first (folders without a manifest are skipped)."""
    if not root.is_dir():
        return []
    out = []
    for p in root.iterdir():
        if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).exists():
            try:
                out.append(read_snapshot(p))
            except OmoideError as exc:
                log.warning("skipping %s: %s", p.name, exc)
    return sorted(out, key=lambda s: s.created_at, reverse=True)


def find_snapshot(root: Path, name_or_path: str) -> Path:
    """A snapshot by folder name under `root`, or by path."""
    if name_or_path and "/" not in name_or_path and name_or_path not in (".", ".."):
        candidate = root / name_or_path
        if candidate.is_dir():
            return candidate
    path = Path(name_or_path)
    if path.is_dir():
        return path
    names = ", ".join(s.name for s in list_snapshots(root)[:5]) or "none yet"
    raise NotFoundError(f"no snapshot {name_or_path!r} (in {root}: {names})", field="snapshot")


def prune_snapshots(root: Path, keep_count: int, keep_days: float, now: datetime | None = None) -> list[str]:
    """Remove snapshots past the newest `keep_count` or older than `keep_days` (0 = no age limit).

    Counted per kind (scheduled, manual, resonant), so a burst of one kind never pushes out the others
    (the hourly ones in particular). The newest of each kind is always kept, and leftovers of
    interrupted snapshots are cleared.
    """
    now = now or utcnow()
    removed: list[str] = []
    seen: dict[str, int] = {}
    for snap in list_snapshots(root):
        i = seen[snap.kind] = seen.get(snap.kind, -1) + 1
        too_many = i >= keep_count
        too_old = keep_days > 0 and now - snap.created_at > timedelta(days=keep_days)
        if i > 0 and (too_many or too_old):
            shutil.rmtree(snap.path, ignore_errors=True)  # another pruner may have got there first
            removed.append(snap.name)
    if root.is_dir():
        for p in root.glob(f"{PARTIAL_PREFIX}*"):
            age = now - datetime.fromtimestamp(p.stat().st_mtime, UTC)
            if age > PARTIAL_MAX_AGE:
                shutil.rmtree(p, ignore_errors=True)
    if removed:
        log.info("snapshots removed by retention: %s", ", ".join(removed))
    return removed
