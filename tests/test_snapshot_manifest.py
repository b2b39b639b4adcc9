"""A snapshot's manifest is input like any other: its paths never lead outside their folder, and a
malformed one is refused by name instead of failing half-way."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from pathlib import Path

import pytest
from botproc import run_cli

from memory.restore import restore_snapshot, verify_snapshot
from memory.snapshots import SnapshotError, list_snapshots, read_snapshot

PAYLOAD = b"written by a crafted manifest\n"


def _snapshot_with_notes(data: Path) -> Path:
    """A real snapshot taken by `python -m bot snapshot` of a small database."""
    data.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(data / "omoide.db")
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.executemany("INSERT INTO notes (body) VALUES (?)", [("a",), ("b",)])
    con.commit()
    con.close()
    taken = run_cli(data, "snapshot")
    assert taken.returncode == 0, taken.stderr
    name = re.search(r"^snapshot (\S+):", taken.stdout, re.MULTILINE).group(1)  # type: ignore[union-attr]
    return data / "snapshots" / name


def _add_file(snapshot: Path, rel: str, payload: bytes = PAYLOAD) -> None:
    manifest = json.loads((snapshot / "manifest.json").read_text())
    manifest["files"][rel] = {"size": len(payload), "sha256": hashlib.sha256(payload).hexdigest()}
    (snapshot / "manifest.json").write_text(json.dumps(manifest))


def test_restore_refuses_a_manifest_path_that_climbs_out_of_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    snapshot = _snapshot_with_notes(data)
    rel = "indexes/../../../escaped.txt"
    (snapshot / "indexes").mkdir(exist_ok=True)
    (snapshot.parent.parent / "escaped.txt").write_bytes(PAYLOAD)  # what `snapshot/rel` reads: the checksum holds
    _add_file(snapshot, rel)
    before = (data / "omoide.db").read_bytes()
    restored = run_cli(data, "restore", snapshot.name)
    assert restored.returncode == 5, restored.stdout + restored.stderr
    assert "unsafe path" in restored.stderr and rel in restored.stderr
    assert not (tmp_path / "escaped.txt").exists()  # where the copy would have landed, outside DATA_DIR
    assert (data / "omoide.db").read_bytes() == before
    assert not list(data.glob("replaced-*")) and not list(data.glob(".restore-*"))


@pytest.mark.parametrize("rel", ["/tmp/absolute.txt", "indexes/../../x", "indexes\\..\\x", "./omoide.db", ""])
def test_every_unsafe_manifest_path_is_refused_by_verify_and_restore(tmp_path: Path, rel: str) -> None:
    data = tmp_path / "data"
    snapshot = _snapshot_with_notes(data)
    _add_file(snapshot, rel)
    with pytest.raises(SnapshotError, match="unsafe path"):
        verify_snapshot(snapshot)
    with pytest.raises(SnapshotError, match="unsafe path"):
        restore_snapshot(snapshot, data, data / "omoide.db", data / "indexes")


def test_a_symlink_in_the_snapshot_leading_outside_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    snapshot = _snapshot_with_notes(data)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(PAYLOAD)
    (snapshot / "indexes").mkdir(exist_ok=True)
    (snapshot / "indexes" / "evil.hnsw").symlink_to(secret)
    _add_file(snapshot, "indexes/evil.hnsw")
    with pytest.raises(SnapshotError, match="outside its folder"):
        restore_snapshot(snapshot, data, data / "omoide.db", data / "indexes")
    assert not (data / "indexes" / "evil.hnsw").exists()


@pytest.mark.parametrize("damage", ["size is text", "entry is a list", "no created_at", "files is a list",
                                    "counts are text"])
def test_a_malformed_manifest_is_a_snapshot_error_and_listing_skips_it(tmp_path: Path, damage: str) -> None:
    data = tmp_path / "data"
    snapshot = _snapshot_with_notes(data)
    manifest = json.loads((snapshot / "manifest.json").read_text())
    if damage == "size is text":
        manifest["files"]["omoide.db"]["size"] = "big"
    elif damage == "entry is a list":
        manifest["files"]["omoide.db"] = [1, 2]
    elif damage == "no created_at":
        del manifest["created_at"]
    elif damage == "files is a list":
        manifest["files"] = ["omoide.db"]
    else:
        manifest["counts"] = {"notes": "two"}
    (snapshot / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="manifest.json"):
        read_snapshot(snapshot)
    assert list_snapshots(snapshot.parent) == []
    restored = run_cli(data, "restore", snapshot.name)
    assert restored.returncode == 5 and "manifest.json" in restored.stderr, restored.stderr
