"""`python -m bot` keeps its data owner-only: DATA_DIR 0700, every file in it 0600, the database's WAL
and the snapshots included, and a data directory left readable by an older version is tightened."""

from __future__ import annotations

import stat
from pathlib import Path

from botproc import BotProcess, seed_model

from memory.embedding.base import Embedder


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_the_data_dir_and_everything_in_it_are_owner_only(tmp_path: Path, model_dir: Path,
                                                          embedder: Embedder) -> None:
    data = tmp_path / "data"
    seed_model(model_dir, data)
    data.chmod(0o755)
    old = data / "notes-from-an-older-version.txt"
    old.write_text("readable by anyone")
    old.chmod(0o644)
    bot = BotProcess(data)
    try:
        status, saved = bot.post("/save", {"user_message": "My cat is called Mochi", "user_id": "u1"})
        assert status == 200, saved
        status, snap = bot.post("/admin/snapshots", {"description": "modes"})
        assert status == 201, snap
        assert (data / "omoide.db-wal").exists()  # checked while the bot runs: the WAL is there
        assert _mode(data) == 0o700
        for name in ("omoide.db", "omoide.db-wal", "omoide.db-shm", "admin.key", "jwt.secret"):
            assert _mode(data / name) == 0o600, name
        assert _mode(data / "snapshots") == 0o700
        assert _mode(data / "snapshots" / snap["name"]) == 0o700
        assert _mode(data / "snapshots" / snap["name"] / "omoide.db") == 0o600
        readable = [p for p in data.rglob("*") if not p.is_symlink() and _mode(p) & 0o077]
        assert readable == [], [(str(p.relative_to(data)), oct(_mode(p))) for p in readable]
    finally:
        bot.stop()
