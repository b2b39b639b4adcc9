"""Owner-only data: DATA_DIR is 0700 and everything in it 0600 (folders 0700).

The database holds every memory, so no other local user may read it, its -wal/-shm, the indexes or
the snapshots. `private_umask()` at process start makes every file created later owner-only (SQLite
also gives -wal and -shm its database file's mode); `make_private()` tightens what an older version
left readable, and runs whenever the engine opens and after a snapshot or restore.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
UMASK = 0o077


def private_umask() -> None:
    """Files and folders this process creates from now on are its owner's only."""
    os.umask(UMASK)


def make_private(root: Path, extra_files: Iterable[Path] = ()) -> None:
    """chmod `root` 0700 and everything under it 0700/0600 (symlinks are left alone, never followed)."""
    root = Path(root)
    if root.is_dir():
        _chmod(root, DIR_MODE)
        for folder, dirs, files in os.walk(root):
            for name in dirs:
                _chmod(Path(folder) / name, DIR_MODE)
            for name in files:
                _chmod(Path(folder) / name, FILE_MODE)
    for f in extra_files:
        _chmod(Path(f), FILE_MODE)


def sqlite_files(db_file: Path) -> list[Path]:
    """The database file and the journal files SQLite keeps beside it."""
    return [db_file, *(Path(f"{db_file}{suffix}") for suffix in ("-wal", "-shm", "-journal"))]


def _chmod(path: Path, mode: int) -> None:
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode) or stat.S_IMODE(st.st_mode) == mode:
            return
        path.chmod(mode)
    except FileNotFoundError:  # removed meanwhile (a WAL after a checkpoint, a pruned snapshot)
        pass
    except PermissionError as exc:  # not ours: say so once, keep going
        log.warning("could not make %s private (%s)", path, exc)
