"""One process owns a data directory: the bot holds `DATA_DIR/omoide.lock` while it runs.

The lock is an flock on the file, so the kernel releases it when the holder dies, even by SIGKILL:
a crash never leaves a stale lock behind. The holder's pid is written into the file so a refusal can
say which process to stop.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from memory.errors import OmoideError

LOCK_NAME = "omoide.lock"


class DataDirBusyError(OmoideError):
    """Another process holds the data directory (maps to HTTP 409 / a CLI refusal)."""

    error_type = "DataDirBusyError"


class DataDirLock:
    """`with DataDirLock(data_dir):` or `acquire()` / `release()`; raises DataDirBusyError if held."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> DataDirLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            pid = holder_pid(self.path.parent)
            who = f"process {pid}" if pid else "another process"
            raise DataDirBusyError(f"{who} is using {self.path.parent} (the bot is running); stop it first",
                                   field="DATA_DIR") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

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
    """True while some process (this one included, through another descriptor) holds the lock."""
    path = Path(data_dir) / LOCK_NAME
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
