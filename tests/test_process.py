"""`python -m bot` as a user starts it: no token, API up, clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
