"""`make bench-scale` at a tiny size: both stores side by side, and the API on SQLite and with 1 and 2
workers on the test PostgreSQL, print every row with sane values (no errors, recall within [0, 1])."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.scale.__main__ import main
from tests.postgres_server import PostgresServer

STORE_ROWS = ["stored-vector ingest to 300", "bulk fill to 300 (index built after)", "memories stored at 300",
              "search 300, whole cube p50 / p95",
              "search 300, one user (1%) p50 / p95", "one user's first search at 300 p50 / p95",
              "ANN recall@10 at 300, whole cube",
              "ANN recall@10 at 300, one user", "start-up with 300: engine open / first search",
              "whole process, to first answer (RSS)"]
SERVERS = ["SQLite, one process", "PostgreSQL, 1 worker", "PostgreSQL, 2 workers"]


def tables(out: str) -> list[list[list[str]]]:
    """Each Markdown table of the output as rows of cells (header first, the separator left out)."""
    found: list[list[list[str]]] = []
    previous = ""
    for line in out.splitlines():
        if line.startswith("| "):
            if not previous.startswith(("| ", "|-")):
                found.append([])
            found[-1].append([c.strip() for c in line.strip("|").split("|")])
        previous = line
    return found


def first_number(cell: str) -> float:
    m = re.search(r"\d+(?:\.\d+)?", cell)
    assert m, cell
    return float(m.group())


@pytest.mark.both_stores
def test_tiny_run_prints_both_stores_and_every_worker_row(postgres: PostgresServer, model_dir: Path,
                                                          embedder: object, capsys: pytest.CaptureFixture[str]) -> None:
    # `embedder` converts the packaged model into model_dir once for the session: the bench loads it there
    assert main(["--sizes", "300", "--workers", "1,2", "--database-url", postgres.url, "--model-dir", str(model_dir),
                 "--queries", "10", "--clients", "4", "--seconds", "2", "--seed", "10", "--think-ms", "200"]) == 0
    stores, served = tables(capsys.readouterr().out)

    assert stores[0] == ["what", "PostgreSQL", "SQLite", "note"]
    rows = {r[0]: r[1:3] for r in stores[1:]}
    assert list(rows) == STORE_ROWS
    for name, cells in rows.items():
        numbers = [first_number(c) for c in cells if c != "-"]
        if name.startswith("ANN recall"):
            assert all(0.0 <= n <= 1.0 for n in numbers), (name, cells)
        elif name.startswith("memories stored"):
            assert all(0 < n <= 300 for n in numbers), (name, cells)
        elif name.startswith("bulk fill"):  # PostgreSQL is filled from the SQLite run's data dir
            assert cells[1] == "-" and first_number(cells[0]) > 0, cells
        elif not name.startswith("start-up"):  # engine open can round to 0.00 s
            assert all(n > 0 for n in numbers), (name, cells)

    header, *lines = served
    assert header[:6] == ["API", "phase", "answered/s", "search p50 / p99 ms", "save p50 / p99 ms", "errors"]
    assert [(r[0], r[1]) for r in lines] == [(s, p) for s in SERVERS for p in ("chat pace", "saturation")]
    for r in lines:
        assert r[5] == "0", r  # no failed request, seeding included
        assert first_number(r[2]) > 0 and first_number(r[3]) > 0, r
        assert first_number(r[6]) > 0 and r[6].endswith("/ -"), r  # the API's CPU; a given server's is not read
    per_worker = [first_number(r[8]) for r in lines if r[1] == "chat pace"]
    assert all(mb > 100 for mb in per_worker), per_worker  # each worker holds the model
