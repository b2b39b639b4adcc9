"""Run `python -m bot` as a user does, for process-level tests: start, find its port, stop or kill."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"(?:api|\w+ health) listening on http://127\.0\.0\.1:(\d+)")
# Test bots run exactly what `python -m bot` runs (runpy, as -m does) under a command line that says they
# are test bots: stopping a developer's bot by name (`pkill -f "python -m bot"`, seen on the shared
# machine) must not stop a test's bot half-way. tests/test_process.py keeps the literal `-m bot`.
LAUNCH = "import runpy; runpy.run_module('bot', run_name='__main__', alter_sys=True)  # omoide test bot"


def bot_command(*args: str) -> list[str]:
    return [sys.executable, "-c", LAUNCH, *args]


def bot_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATA_DIR": str(data_dir), "API_PORT": "0", "DISCORD_TOKEN": "",
            "TOKENIZERS_PARALLELISM": "false", **extra}


def seed_model(model_dir: Path, data_dir: Path) -> None:
    """Give the process the model the session already converted (DATA_DIR/models), saving a conversion."""
    target = data_dir / "models"
    if not target.exists():
        shutil.copytree(model_dir, target)


def run_cli(data_dir: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(bot_command(*args), cwd=ROOT, env=bot_env(data_dir),
                          capture_output=True, text=True, timeout=timeout)


class BotProcess:
    """A running `python -m bot [mode ...]`; its log (stderr) is collected in `lines`."""

    def __init__(self, data_dir: Path, *args: str, **env: str) -> None:
        self.data_dir = data_dir
        self.proc = subprocess.Popen(bot_command(*args), cwd=ROOT, env=bot_env(data_dir, **env),
                                     stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        self.port: int | None = None
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._ready.wait(180) or self.port is None:
            self.kill()
            raise AssertionError("bot did not start:\n" + self.log)

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            if self.port is None and (m := LISTENING.search(line)):
                self.port = int(m.group(1))
                self._ready.set()
        self._ready.set()

    @property
    def log(self) -> str:
        return "".join(self.lines)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def headers(self) -> dict[str, str]:
        """The admin key the API writes on first start, when there is one."""
        key = self.data_dir / "admin.key"
        return {"X-API-Key": key.read_text().strip()} if key.exists() else {}

    def post(self, path: str, body: Any, timeout: float = 60) -> tuple[int, Any]:
        return self.request("POST", path, body, timeout)

    def get(self, path: str, timeout: float = 60) -> tuple[int, Any]:
        return self.request("GET", path, None, timeout)

    def request(self, method: str, path: str, body: Any, timeout: float = 60) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", **self.headers()})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def check_alive(self) -> None:
        """Fail with the reason when the bot ended without this test stopping it."""
        code = self.proc.poll()
        if code is None:
            return
        self.wait(10)
        outside = "received: stopping" in self.log
        raise AssertionError(f"the bot exited (code {code}) before the test stopped it"
                             + ("; a signal from outside this test stopped it" if outside else "")
                             + ":\n" + self.log)

    def stop(self, timeout: float = 120) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait(60)

    def wait(self, timeout: float) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(10)  # the last log lines
        if not self._reader.is_alive():
            self.proc.stderr.close()  # type: ignore[union-attr]
        return code
