"""`python -m bot` as a user starts it: no token, API up, clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.snapshot_cli import EXIT_BUSY
from memory.lockfile import DataDirLock
from tests.botproc import ROOT, bot_command, bot_env, seed_model


def test_starts_without_a_token_serves_health_and_stops_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "API_PORT": "0", "DISCORD_TOKEN": ""}
    proc = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stderr=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    lines: list[str] = []
    port = None
    try:
        deadline = time.monotonic() + 120
        while port is None and time.monotonic() < deadline:
            line = proc.stderr.readline()  # type: ignore[union-attr]
            if not line:
                break
            lines.append(line)
            if m := re.search(r"api listening on http://127\.0\.0\.1:(\d+)", line):
                port = int(m.group(1))
        assert port, "".join(lines)
        lines.append(proc.stderr.readline())  # type: ignore[union-attr]
        assert "DISCORD_TOKEN is not set" in lines[-1] and ".env" in lines[-1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=10) as resp:
            body = json.loads(resp.read())
        assert body["status"] == "healthy" and body["embedding_dim"] == 384
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "stopped cleanly" in err
    assert (tmp_path / "data" / "omoide.db").exists()


def test_a_busy_api_port_is_one_line_naming_the_variable(tmp_path: Path, model_dir: Path) -> None:
    seed_model(model_dir, tmp_path / "data")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = bot_env(tmp_path / "data", API_PORT=str(port))
        proc = subprocess.run(bot_command("api"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
                              stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if "ERROR" in line or "Traceback" in line]
    assert len(errors) == 1 and f"API_PORT {port} is already in use on 127.0.0.1" in errors[0], proc.stderr
    assert "API_PORT=0" in errors[0] and "Traceback" not in proc.stderr


def test_terminal_chat_beside_a_running_bot_says_what_to_do(tmp_path: Path) -> None:
    lock = DataDirLock(tmp_path / "data").acquire()  # as a running `make run` holds it
    try:
        proc = subprocess.run(bot_command("chat"), cwd=ROOT, env=bot_env(tmp_path / "data"), capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)
    finally:
        lock.release()
    assert proc.returncode == EXIT_BUSY and "Traceback" not in proc.stderr
    assert "the bot is running" in proc.stderr and "talk to it on Discord (!chat), or stop it" in proc.stderr
