"""Snapshots: taken under write load, restored whole and checked, refused when damaged or in use."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from botproc import run_cli

from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.errors import NotFoundError
from memory.lockfile import DataDirBusyError, DataDirLock
from memory.maintenance import count_memories
from memory.options import EngineOptions
from memory.restore import restore_snapshot, verify_snapshot
from memory.snapshots import (
    SnapshotError,
    find_snapshot,
    integrity_check,
    list_snapshots,
    prune_snapshots,
    snapshot_engine,
    sqlite_path,
    take_snapshot,
)
from memory.types import MemoryFilter, MemoryInput, Scope
from tests.store_helpers import sqlite_store

pytestmark = pytest.mark.sqlite_only  # index files and snapshots: what the embedded store keeps

S = Scope(tenant="t", cube="c", user_id="u")
TOPICS = ["ramen", "violin", "hiking", "chess", "sourdough", "karaoke", "astronomy", "gardening", "origami",
          "surfing", "pottery", "calligraphy"]


def _paths(data: Path) -> tuple[Path, Path, Path]:
    opts = EngineOptions(data_dir=data)
    return sqlite_path(opts.url), opts.index_dir, data / "snapshots"


async def test_snapshot_under_write_load_restores_whole(tmp_path: Path, embedder: Embedder) -> None:
    data = tmp_path / "data"
    engine = await MemoryEngine.open(EngineOptions(data_dir=data), embedder)
    stop = asyncio.Event()
    written, goal, reached = 0, 8, asyncio.Event()

    async def keep_writing() -> None:
        nonlocal written
        try:
            while not stop.is_set():
                batch = [MemoryInput(scope=S, content=f"User {written + k} talked about {TOPICS[(written + k) % 12]}")
                         for k in range(4)]
                result = await engine.save_batch(batch)
                assert not result.failed
                written += len(result.saved)
                if written >= goal:
                    reached.set()
        finally:
            reached.set()  # a writer that failed wakes the test, which then raises its error

    writer = asyncio.create_task(keep_writing())
    try:
        await reached.wait()
        snap = await snapshot_engine(engine, description="under load")
        goal = written + 8  # writes went on after it
        reached.clear()
        await reached.wait()
    finally:
        stop.set()
        await writer
        await engine.close()
    manifest = verify_snapshot(snap.path)
    assert manifest["description"] == "under load" and manifest["embedding_model"]
    assert 8 <= manifest["counts"]["memories"] < written

    target = tmp_path / "restored"
    report = restore_snapshot(snap.path, target, *_paths(target)[:2])
    db_file = _paths(target)[0]
    assert integrity_check(db_file) == "ok"
    con = sqlite3.connect(db_file)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                            "AND name NOT LIKE 'sqlite_%'")]
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()
    assert counts == manifest["counts"] == report.counts and report.replaced_dir is None
    back = await MemoryEngine.open(EngineOptions(data_dir=target), embedder)
    try:
        assert back.index_report in ({"loaded": 1}, {"caught up": 1})
        assert await count_memories(back) == manifest["counts"]["memories"]
        state = sqlite_store(back).indexes.get("t", "c")
        assert state is not None and state.index.alive == manifest["counts"]["memories"]
        hits = await back.search("User 3 talked about chess", MemoryFilter(tenant="t"), top_k=1)
        assert hits[0].memory.content == "User 3 talked about chess"
    finally:
        await back.close()


async def test_restore_replaces_the_data_and_keeps_what_it_replaced(tmp_path: Path, embedder: Embedder) -> None:
    data = tmp_path / "data"
    engine = await MemoryEngine.open(EngineOptions(data_dir=data), embedder)
    keep = await engine.store(S, "My cat is called Mochi")
    snap = await snapshot_engine(engine)
    later = await engine.store(S, "I moved to Sapporo last week")
    await engine.close()
    report = restore_snapshot(snap.path, data, *_paths(data)[:2])
    assert report.replaced_dir is not None and (report.replaced_dir / "omoide.db").exists()
    back = await MemoryEngine.open(EngineOptions(data_dir=data), embedder)
    try:
        assert (await back.get(keep.memory.id)).content == "My cat is called Mochi"
        with pytest.raises(NotFoundError):
            await back.get(later.memory.id)
        assert [h.memory.id for h in await back.search("Sapporo", MemoryFilter(tenant="t"))] == [keep.memory.id]
    finally:
        await back.close()


@pytest.mark.parametrize("damage", ["database", "index", "missing"])
async def test_damaged_snapshot_is_refused_and_nothing_changes(tmp_path: Path, engine: MemoryEngine,
                                                               embedder: Embedder, damage: str) -> None:
    await engine.store(S, "My cat is called Mochi")
    snap = await snapshot_engine(engine)
    index_file = next((snap.path / "indexes").glob("*.hnsw"))
    if damage == "database":
        raw = bytearray((snap.path / "omoide.db").read_bytes())
        raw[-100] ^= 0xFF
        (snap.path / "omoide.db").write_bytes(bytes(raw))
        rel = "omoide.db"
    elif damage == "index":
        index_file.write_bytes(index_file.read_bytes()[:-10])
        rel = f"indexes/{index_file.name}"
    else:
        index_file.unlink()
        rel = f"indexes/{index_file.name}"
    with pytest.raises(SnapshotError, match=re.escape(rel)):
        verify_snapshot(snap.path)
    target = tmp_path / "other"
    other = await MemoryEngine.open(EngineOptions(data_dir=target), embedder)
    await other.store(S, "the data that must survive a refused restore")
    await other.close()
    before = _paths(target)[0].read_bytes()
    with pytest.raises(SnapshotError, match=re.escape(rel)):
        restore_snapshot(snap.path, target, *_paths(target)[:2])
    assert _paths(target)[0].read_bytes() == before
    assert not list(target.glob("replaced-*")) and not list(target.glob(".restore-*"))


async def test_restore_is_refused_while_the_data_dir_is_in_use(tmp_path: Path, engine: MemoryEngine) -> None:
    await engine.store(S, "My cat is called Mochi")
    snap = await snapshot_engine(engine)
    target = tmp_path / "busy"
    with DataDirLock(target), pytest.raises(DataDirBusyError, match="stop it first"):
        restore_snapshot(snap.path, target, *_paths(target)[:2])
    assert not _paths(target)[0].exists()


async def test_retention_by_count_and_age(engine: MemoryEngine) -> None:
    await engine.store(S, "My cat is called Mochi")
    root = engine.options.data_dir / "snapshots"
    taken = [await snapshot_engine(engine) for _ in range(4)]
    assert len({t.name for t in taken}) == 4
    (root / ".partial-crashed").mkdir()
    assert prune_snapshots(root, keep_count=2, keep_days=0) == [taken[1].name, taken[0].name]
    assert [s.name for s in list_snapshots(root)] == [taken[3].name, taken[2].name]
    assert (root / ".partial-crashed").exists()  # could still be in progress: kept for an hour
    later = taken[3].created_at + timedelta(days=8)
    assert prune_snapshots(root, keep_count=10, keep_days=7, now=later) == [taken[2].name]
    assert [s.name for s in list_snapshots(root)] == [taken[3].name]  # the newest is always kept
    assert not (root / ".partial-crashed").exists()


async def test_retention_counts_each_kind_apart(engine: MemoryEngine) -> None:
    """A burst of one kind (Resonant restore points, manual ones) never pushes out the hourly snapshots."""
    await engine.store(S, "My cat is called Mochi")
    root = engine.options.data_dir / "snapshots"
    hourly = [await snapshot_engine(engine, kind="scheduled") for _ in range(2)]
    burst = [await snapshot_engine(engine, kind="resonant") for _ in range(3)]
    removed = prune_snapshots(root, keep_count=2, keep_days=0)
    assert removed == [burst[0].name]
    assert [(s.name, s.kind) for s in list_snapshots(root)] == [(burst[2].name, "resonant"),
                                                                (burst[1].name, "resonant"),
                                                                (hourly[1].name, "scheduled"),
                                                                (hourly[0].name, "scheduled")]
    later = burst[2].created_at + timedelta(days=8)
    assert sorted(prune_snapshots(root, keep_count=10, keep_days=7, now=later)) == sorted(
        [burst[1].name, hourly[0].name])  # too old, but the newest of each kind stays


async def test_snapshot_without_an_engine_copies_the_files_as_saved(tmp_path: Path, embedder: Embedder) -> None:
    data = tmp_path / "data"
    engine = await MemoryEngine.open(EngineOptions(data_dir=data), embedder)
    await engine.store(S, "My cat is called Mochi")
    await engine.close()
    db_file, index_dir, root = _paths(data)
    snap = await take_snapshot(db_file, index_dir, root, kind="manual")
    files = json.loads((snap.path / "manifest.json").read_text())["files"]
    assert "omoide.db" in files and any(f.startswith("indexes/") and f.endswith(".hnsw") for f in files)
    assert find_snapshot(root, snap.name) == snap.path
    with pytest.raises(NotFoundError, match="no snapshot"):
        find_snapshot(root, "19990101T000000Z")


def test_snapshot_and_restore_commands(tmp_path: Path) -> None:
    data = tmp_path / "data"
    empty = run_cli(data, "snapshot")
    assert empty.returncode == 5 and "no database" in empty.stderr
    con = sqlite3.connect(data / "omoide.db")
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.executemany("INSERT INTO notes (body) VALUES (?)", [("a",), ("b",)])
    con.commit()
    taken = run_cli(data, "snapshot", "--description", "before the change")
    assert taken.returncode == 0, taken.stderr
    name = re.search(r"^snapshot (\S+):", taken.stdout, re.MULTILINE).group(1)  # type: ignore[union-attr]
    con.execute("DELETE FROM notes")
    con.commit()
    con.close()
    restored = run_cli(data, "restore", name)
    assert restored.returncode == 0, restored.stderr
    assert "integrity_check passed" in restored.stdout and "replaced" in restored.stdout
    con = sqlite3.connect(data / "omoide.db")
    assert [r[0] for r in con.execute("SELECT body FROM notes ORDER BY id")] == ["a", "b"]
    con.close()
    missing = run_cli(data, "restore", "nope")
    assert missing.returncode == 5 and "no snapshot 'nope'" in missing.stderr
