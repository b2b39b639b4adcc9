"""The data-dir lock: a second process is refused with the holder's pid, and a holder killed by
SIGKILL leaves no stale lock behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from memory.lockfile import DataDirBusyError, DataDirLock, holder_pid, is_locked

HOLD = ("import sys; from memory.lockfile import DataDirLock; lock = DataDirLock(sys.argv[1]).acquire(); "
        "print('held', flush=True); sys.stdin.read()")
ROOT = Path(__file__).resolve().parents[1]


def test_second_process_is_refused_naming_the_holder_and_a_killed_holder_leaves_no_lock(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # the with block closes the holder's pipes (left open, the GC would warn in whichever test runs next)
    with subprocess.Popen([sys.executable, "-c", HOLD, str(data)], cwd=ROOT, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "held\n"
            assert is_locked(data) and holder_pid(data) == holder.pid
            with pytest.raises(DataDirBusyError) as refused:
                DataDirLock(data).acquire()
            assert refused.value.message == f"process {holder.pid} is using {data} (the bot is running); stop it first"
            assert refused.value.field == "DATA_DIR"
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait()
    assert not is_locked(data) and holder_pid(data) is None
    with DataDirLock(data) as mine:
        assert mine.held and holder_pid(data) == os.getpid()
        with pytest.raises(DataDirBusyError, match="stop it first"):  # a second lock in the same process too
            DataDirLock(data).acquire()
    assert not mine.held and not is_locked(data)
