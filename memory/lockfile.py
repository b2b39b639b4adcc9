"""One process owns a data directory: the bot holds `DATA_DIR/omoide.lock` while it runs.

The lock is filelock's FileLock (an flock on Unix), so the kernel releases it when the holder dies,
even by SIGKILL: a crash never leaves a stale lock behind. The holder's pid is written into the file
so a refusal can say which process to stop.
"""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout

from memory.errors import OmoideError

LOCK_NAME = "omoide.lock"


class DataDirBusyError(OmoideError):
    """Another process holds the data directory (maps to HTTP 409 / a CLI refusal)."""

    error_type = "DataDirBusyError"


def _write_pid(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    os.fsync(fd)


def _file_lock(path: Path, *, write_pid: bool = False) -> FileLock:
    """Never waits (timeout 0); the file stays in place so the holder's pid can be read beside it; one
    process may take and release it on different threads."""
    return FileLock(path, timeout=0, preserve_lock_file=True, thread_local=False, mode=0o600,
                    on_acquired=_write_pid if write_pid else None)


class DataDirLock:
    """`with DataDirLock(data_dir):` or `acquire()` / `release()`; raises DataDirBusyError if held."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_NAME
        self._lock = _file_lock(self.path, write_pid=True)

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self) -> DataDirLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout:
            pid = holder_pid(self.path.parent)
            who = f"process {pid}" if pid else "another process"
            raise DataDirBusyError(f"{who} is using {self.path.parent} (the bot is running); stop it first",
                                   field="DATA_DIR") from None
        return self

    def release(self) -> None:
        if self._lock.is_locked:  # the pid left in the file is ignored once nobody holds the lock
            self._lock.release()

    def __enter__(self) -> DataDirLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder_pid(data_dir: Path) -> int | None:
    """The pid written by the current holder, or None when nobody holds the lock."""
    path = Path(data_dir) / LOCK_NAME
    if not is_locked(data_dir):
        return None
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def is_locked(data_dir: Path) -> bool:
    """True while some process (this one included, through another DataDirLock) holds the lock."""
    path = Path(data_dir) / LOCK_NAME
    if not path.exists():
        return False
    probe = _file_lock(path)
    try:
        probe.acquire()
    except Timeout:
        return True
    probe.release()
    return False
