"""The parent's end of a worker: start it in its virtualenv, send a command, read the reply."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class WorkerFailed(RuntimeError):
    pass


class Worker:
    """A system's process; its stderr goes to `log` (its tail is shown when it fails)."""

    def __init__(self, system: str, python: str, stage: Path, work: Path, options: dict[str, Any]) -> None:
        self.system, self.log = system, work.with_suffix(".log")
        work.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "PYTHONPATH": str(ROOT)}
        with self.log.open("w") as err:
            self.proc = subprocess.Popen([python, "-m", "bench.peers.worker", system, str(stage), str(work),
                                          json.dumps(options)], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=err, text=True)
        self.ready: dict[str, Any] | None = None

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise WorkerFailed(f"{self.system} exited ({self.proc.returncode}): {self.tail()}")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise WorkerFailed(f"{self.system}: {reply['error'].strip().splitlines()[-1]} (log: {self.log})")
        return reply

    def wait_ready(self) -> dict[str, Any]:
        if self.ready is None:
            self.ready = self._read()
        return self.ready

    def call(self, cmd: str, **args: Any) -> dict[str, Any]:
        self.wait_ready()
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def tail(self, lines: int = 8) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def close(self) -> dict[str, Any]:
        try:
            return self.call("close") if self.proc.poll() is None else {}
        finally:
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            for pipe in (self.proc.stdin, self.proc.stdout):
                if pipe is not None:
                    pipe.close()
