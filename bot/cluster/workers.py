"""`python -m bot api --workers N`: N API processes on one port, the kernel spreading connections.

Each worker is a plain `python -m bot api --reuse-port` (its own model, engine and bus connection), all
bound to API_PORT with SO_REUSEPORT; with METRICS_PORT set, worker i serves its metrics on
METRICS_PORT + i so each can be scraped. SIGINT/SIGTERM are passed on and the workers stop cleanly. If
one worker exits by itself the others are stopped too and this command exits with its code, so the
service manager (compose's `restart:`, systemd) restarts the set rather than leaving it short.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from types import FrameType

from config import Settings

log = logging.getLogger("omoide")
STOP_SECONDS = 90.0  # a worker answers what it accepted before it stops (livestream: up to 60 s)


def worker_command(port: int) -> list[str]:
    return [sys.executable, "-m", "bot", "api", "--port", str(port), "--reuse-port"]


def run_workers(settings: Settings, count: int) -> int:
    procs: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:
            log.info("%s received: stopping %d API workers", signal.Signals(signum).name, len(procs))
        stopping = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    for i in range(count):
        env = dict(os.environ)
        if settings.metrics_port:
            env["METRICS_PORT"] = str(settings.metrics_port + i)
        procs.append(subprocess.Popen(worker_command(settings.api_port), env=env))
    log.info("started %d API workers on port %d (pids %s)", count, settings.api_port,
             ", ".join(str(p.pid) for p in procs))
    code = 0
    while not stopping:
        ended = [p for p in procs if p.poll() is not None]
        if ended:
            code = ended[0].returncode or 1
            log.error("API worker %d exited with code %s; stopping the others", ended[0].pid, ended[0].returncode)
            break
        time.sleep(0.2)
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for p in procs:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.error("API worker %d did not stop within %.0f s; killing it", p.pid, STOP_SECONDS)
            p.kill()
            p.wait()
    return code
