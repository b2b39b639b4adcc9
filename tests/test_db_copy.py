"""`python -m bot db copy --to postgresql+asyncpg://...`: a SQLite data dir moves into PostgreSQL with
nothing lost (memories, vectors, history, lexical terms, every bot table), and a target that already
holds data is left alone unless --replace is given."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import String, Table, func, insert, select
from sqlalchemy.exc import DBAPIError

from bot.api.tables import ApiKeyRow, AuditRow, ConversationRow
from bot.db_copy import copied_tables, copy_database
from bot.discord.prefs import ChannelPrefRow
from bot.resonant.models import IntentRow, SessionRow
from memory.db.migrate import upgrade
from memory.db.session import create_engine
from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.options import EngineOptions
from memory.store.candidates import CandidateQuery
from memory.store.postgres import PostgresStore
from memory.store.postgres.connect import create_engine as create_pg_engine
from memory.types import MemoryFilter, Scope
from tests.botproc import run_cli
from tests.pg_schema import create_pg_schema

NOW = datetime(2026, 6, 1, tzinfo=UTC)


async def _fill_source(options: EngineOptions, embedder: Embedder) -> dict[str, str]:
    """A data dir as a user's bot leaves it: memories (one updated, one deleted), bot rows of every kind."""
    engine = await MemoryEngine.open(options, embedder)
    try:
        scope = Scope(tenant="default", cube="aoi", user_id="u1", session_id="s1")
        tokyo = await engine.store(scope, "昨日は東京でラーメンを食べた", tags=["food"])
        await engine.save_turn(scope, "猫を飼っています", "かわいいですね")
        gone = await engine.store(scope, "this one will be deleted")
        other = await engine.store(Scope(tenant="default", cube="mio", user_id="u2"), "I like green tea")
        await engine.update(other.memory.id, content="I like black coffee")
        await engine.delete_ids([gone.memory.id])
    finally:
        await engine.close()
    db = create_engine(options.url)
    try:
        await upgrade(db)  # the bot's tables (one migration makes them all)
        async with db.begin() as conn:
            await conn.execute(insert(ApiKeyRow.__table__).values(
                id=str(uuid.uuid4()), name="ci", key_hash="h" * 64, prefix="omk_1234", admin=True, read_only=False,
                require_signature=False, tenants=["default"], personas=None, owner_user_id=None, created_at=NOW))
            await conn.execute(insert(ConversationRow.__table__).values(**_conversation()))
            await conn.execute(insert(AuditRow.__table__).values(**_audit()))
            await conn.execute(insert(ChannelPrefRow.__table__).values(channel_id=2**62, guild_id=7, persona="aoi",
                                                                       learning=True, updated_at=NOW))
            session_id = str(uuid.uuid4())
            await conn.execute(insert(SessionRow.__table__).values(id=session_id, user_id="u1", started_at=NOW,
                                                                   last_active=NOW, status="active",
                                                                   metadata={}))
            await conn.execute(insert(IntentRow.__table__).values(**_intent(session_id)))
    finally:
        await db.dispose()
    return {"tokyo": tokyo.memory.id}


def _fill(table: object, given: dict[str, object]) -> dict[str, object]:
    """Values for every required column of a bot table: the given ones, plain defaults for the rest."""
    from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, Table

    assert isinstance(table, Table)
    out: dict[str, object] = {}
    for c in table.columns:
        if c.name in given:
            out[c.name] = given[c.name]
        elif c.primary_key and isinstance(c.type, Integer):
            continue
        elif isinstance(c.type, DateTime):
            out[c.name] = NOW
        elif isinstance(c.type, Boolean):
            out[c.name] = False
        elif isinstance(c.type, Integer | Float):
            out[c.name] = 1
        elif isinstance(c.type, JSON):
            out[c.name] = {"x": [1, "二"]}
        else:
            length = getattr(c.type, "length", None) or 64
            out[c.name] = None if c.nullable else uuid.uuid4().hex[:length]
    return out


def _conversation() -> dict[str, object]:
    return _fill(ConversationRow.__table__, {})


def _audit() -> dict[str, object]:
    return _fill(AuditRow.__table__, {})


def _intent(session_id: str) -> dict[str, object]:
    return _fill(IntentRow.__table__, {"session_id": session_id, "parent_intent_id": None})


def _source_vectors(path: Path) -> dict[str, np.ndarray]:
    with sqlite3.connect(path) as conn:
        return {mid: np.frombuffer(blob, dtype=np.float32) for mid, blob in conn.execute(
            "SELECT id, embedding FROM memories")}


async def _counts(url: str, pg: bool) -> dict[str, int]:
    db = create_pg_engine(url) if pg else create_engine(url)
    try:
        async with db.connect() as conn:
            return {t.name: int((await conn.execute(select(func.count()).select_from(t))).scalar_one())
                    for t in copied_tables()}
    finally:
        await db.dispose()


async def test_copy_moves_everything_and_the_copy_is_searchable(tmp_path: Path, embedder: Embedder, pg_url: str
                                                                 ) -> None:
    options = EngineOptions(data_dir=tmp_path / "data")  # the source is SQLite whatever the suite runs on
    ids = await _fill_source(options, embedder)
    await create_pg_schema(pg_url)
    done = await asyncio.to_thread(run_cli, options.data_dir, "db", "copy", "--to", pg_url)
    assert done.returncode == 0, done.stderr
    assert "copying to PostgreSQL" in done.stderr and "counts checked" in done.stdout  # the progress bar, the check

    source_counts = await _counts(options.url, pg=False)
    assert source_counts["memories"] == 3 and source_counts["memory_history"] >= 5
    assert all(source_counts[name] >= 1 for name in ("api_keys", "api_audit", "bot_channel_prefs",
                                                      "resonant_sessions", "resonant_intents"))
    assert await _counts(pg_url, pg=True) == source_counts

    store = await PostgresStore.open(pg_url, dim=embedder.dim, model_id=embedder.model_id)
    try:
        copied = {r.id: r for r in await store.records(after_label=0, limit=100, with_vectors=True)}
        vectors = _source_vectors(options.data_dir / "omoide.db")
        assert set(copied) == set(vectors)
        for mid, vec in vectors.items():
            assert np.array_equal(np.frombuffer(copied[mid].embedding or b"", dtype=np.float32), vec)
        f = MemoryFilter(tenant="default", cube="aoi")
        assert await store.lexical(f, "東京", 5, NOW) == [copied[ids["tokyo"]].label]

        async def embed() -> np.ndarray:
            return np.asarray(embedder.encode([embedder.query_prefix + "ラーメンの話"])[0], dtype=np.float32)
        found = await store.candidates(CandidateQuery(f, "ラーメン", embed, 5, NOW))
        best = min(found.candidates.values(), key=lambda c: c.dense_rank or 99)
        assert best.label == copied[ids["tokyo"]].label
        assert [h.action for h in await store.history(ids["tokyo"])] == ["add"]
        assert await store.get_meta("embedding_model") == f"{embedder.model_id}|{embedder.dim}"
        top = max(r.label for r in copied.values())
        await store.record_access({ids["tokyo"]: (NOW, 5)})  # recalled in PostgreSQL, before a --replace
        recalled = await store.get(ids["tokyo"])
        assert recalled is not None and recalled.access_count == copied[ids["tokyo"]].access_count + 5
    finally:
        await store.close()
    db = create_pg_engine(pg_url)
    try:
        async with db.connect() as conn:  # new labels and ids continue after the copied ones
            assert (await conn.exec_driver_sql("SELECT nextval('memory_label_seq')")).scalar_one() > top
            await conn.execute(insert(AuditRow.__table__).values(**{k: v for k, v in _audit().items() if k != "id"}))
            await conn.commit()
    finally:
        await db.dispose()

    again = await asyncio.to_thread(run_cli, options.data_dir, "db", "copy", "--to", pg_url)
    assert again.returncode == 2 and "already holds data" in again.stderr and "--replace" in again.stderr
    replaced = await asyncio.to_thread(run_cli, options.data_dir, "db", "copy", "--to", pg_url, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert await _counts(pg_url, pg=True) == source_counts
    store = await PostgresStore.open(pg_url, dim=embedder.dim, model_id=embedder.model_id)
    try:  # the replaced target's recall counts are the source's again, not the ones it kept
        again_copied = await store.get(ids["tokyo"])
        assert again_copied is not None and again_copied.access_count == copied[ids["tokyo"]].access_count
    finally:
        await store.close()


async def test_a_copy_that_cannot_finish_writes_nothing(tmp_path: Path, embedder: Embedder, pg_url: str) -> None:
    """SQLite never checks VARCHAR lengths, PostgreSQL does: a row it refuses, late in the copy, rolls
    the whole copy back and the command says so."""
    options = EngineOptions(data_dir=tmp_path / "data")
    await _fill_source(options, embedder)
    db = create_engine(options.url)
    try:
        async with db.begin() as conn:  # a table copied late holds a value too long for PostgreSQL
            last = next(t for t in reversed(copied_tables()) if not t.foreign_keys)
            await conn.execute(insert(last).values(**_fill(last, {})))
            await conn.execute(last.update().values(**{_text_column(last): "x" * 5000}))
    finally:
        await db.dispose()
    await create_pg_schema(pg_url)
    done = await asyncio.to_thread(run_cli, options.data_dir, "db", "copy", "--to", pg_url)
    assert done.returncode == 2 and "rolled back, the target is unchanged" in done.stderr
    assert set((await _counts(pg_url, pg=True)).values()) == {0}
    with pytest.raises(DBAPIError):
        await copy_database(options.url, pg_url)


def _text_column(table: Table) -> str:
    """A bounded string column of the table (SQLite stores any length in it)."""
    return next(c.name for c in table.columns
                if isinstance(c.type, String) and c.type.length and not c.primary_key and not c.foreign_keys)
