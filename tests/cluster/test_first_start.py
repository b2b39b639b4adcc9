"""Processes started together on one DATA_DIR make its secrets once and all read the same ones."""

from __future__ import annotations

import asyncio
import stat
import subprocess
import sys
import threading
from pathlib import Path

from bot.api.auth.keys import ADMIN_KEY_FILE, KeyStore
from bot.api.auth.secrets import read_or_create_secret
from bot.store import BotStore
from memory.options import EngineOptions

THREADS = 8
ROOT = Path(__file__).resolve().parent.parent.parent
MAKE_SECRET = "import sys; from pathlib import Path; from bot.api.auth.secrets import read_or_create_secret; " \
              "sys.stdin.readline(); print(read_or_create_secret(Path(sys.argv[1])))"


def test_threads_starting_together_get_one_jwt_secret(tmp_path: Path) -> None:
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns every few bytecodes, as processes on several cores would
    try:
        for round_ in range(10):
            path = tmp_path / f"data{round_}" / "jwt.secret"
            start = threading.Barrier(THREADS)
            got: list[str] = []
            failed: list[BaseException] = []

            def make(path: Path = path, start: threading.Barrier = start, got: list[str] = got,
                     failed: list[BaseException] = failed) -> None:
                start.wait()
                try:
                    got.append(read_or_create_secret(path))
                except BaseException as exc:
                    failed.append(exc)

            threads = [threading.Thread(target=make) for _ in range(THREADS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert failed == []
            assert len(got) == THREADS and len(set(got)) == 1
            assert path.read_text().strip() == got[0]
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []  # no temp file left
    finally:
        sys.setswitchinterval(switch)


def test_two_processes_starting_together_get_one_jwt_secret(tmp_path: Path) -> None:
    path = tmp_path / "data" / "jwt.secret"
    procs = [subprocess.Popen([sys.executable, "-c", MAKE_SECRET, str(path)], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate("go\n", timeout=120)[0].strip() for p in procs]  # both imported, then released
    assert all(p.returncode == 0 for p in procs)
    assert outputs[0] == outputs[1] == path.read_text().strip()


async def test_two_api_starts_together_make_one_admin_key(tmp_path: Path) -> None:
    """Two workers' start-ups on one database and DATA_DIR: one makes the admin key, the other finds it."""
    data_dir = tmp_path / "data"
    stores = [BotStore.beside(EngineOptions(data_dir=data_dir)) for _ in range(2)]
    try:
        await stores[0].ensure_schema()
        for s in stores:  # both connected, so both look for a key at the same moment
            await KeyStore(s.sessions).list()
        made = await asyncio.gather(*(KeyStore(s.sessions).ensure_admin_key(data_dir) for s in stores))
        new = [key for key in made if key is not None]
        assert len(new) == 1
        assert (data_dir / ADMIN_KEY_FILE).read_text().strip() == new[0]
        keys = await KeyStore(stores[1].sessions).list()
        assert len([k for k in keys if k.admin]) == 1
    finally:
        for s in stores:
            await s.close()
