"""`make bench-peers` runs and prints every row (a smoke run on one conversation's first turns, with the
systems of the main venv), and its workers cannot reach the network."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.peers.__main__ import main
from memory.embedding.base import Embedder

ROOT = Path(__file__).resolve().parents[1]
MAIN_VENV_SYSTEMS = ["omoide", "omoide-vectors", "hnswlib", "numpy"]
ROWS = ["search incl. query embedding", "search minus its own query embedding (paired)",
        "search minus its own query embedding at scale", "store-side search, ",
        "store-side search, one cube at scale", "ingest incl. embedding", "ingest with given vectors, ",
        "ingest with given vectors, turns into one cube", "peak RSS at scale", "recall sess@5 (LoCoMo)"]


def test_quick_run_prints_every_row_with_positive_numbers(embedder: Embedder, model_dir: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    # the packaged model is already converted in model_dir (the `embedder` fixture): the workers load it there
    assert main(["--quick", "--systems", *MAIN_VENV_SYSTEMS, "--model-dir", str(model_dir)]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("| ")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    assert header[1:] == ["Omoide", "Omoide, given vectors", "hnswlib (floor)", "numpy (floor)"]
    rows = {cells[0]: cells[1:] for cells in ([c.strip() for c in line.strip("|").split("|")] for line in lines[1:])}
    assert len(rows) == len(ROWS) and all(name.startswith(want) for name, want in zip(rows, ROWS, strict=True)), rows
    for name, cells in rows.items():
        numbers = [float(m.replace(",", "")) for c in cells if c != "-"
                   for m in re.findall(r"\d[\d,]*\.?\d*", c.split("(")[0])]
        assert numbers, name
        if "recall" not in name:  # a few turns may hold no gold session: recall can be 0 there
            assert all(n > 0 for n in numbers), (name, cells)
    assert "failed" not in out


def test_a_worker_cannot_reach_the_network_but_loopback_works() -> None:
    probe = """
import socket
from bench.peers import guard
guard.install()
for host in ("192.0.2.1", "example.com"):
    try:
        socket.create_connection((host, 443), timeout=1)
    except guard.NetworkRefused:
        print("refused", host)
server = socket.create_server(("127.0.0.1", 0))
socket.create_connection(server.getsockname(), timeout=1).close()
print("loopback ok")
"""
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.split("\n")[:3] == ["refused 192.0.2.1", "refused example.com", "loopback ok"], out.stderr
