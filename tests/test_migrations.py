"""Schema migrations on real SQLite and PostgreSQL: a database made by the release before migrations is
adopted with every memory, vector, key and user intact; upgrading twice changes nothing; the models and
the migrations describe the same schema; the PostgreSQL vector column gives Python the same bytes."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData, create_engine, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.api.auth.keys import KeyStore
from bot.api.auth.secrets import check_password, hash_password
from bot.api.tables import ApiBase, MeshUserRow
from bot.discord.prefs import Preferences, PrefsBase
from bot.resonant.models import ResonantBase
from bot.store import BotStore
from memory.db.migrate import INITIAL_REVISION, alembic_config, current, head, upgrade
from memory.db.models import FTS_DDL, FTS_VOCAB_DDL, Base, MemoryRow
from memory.db.session import create_engine as create_async_db
from memory.db.session import make_sessionmaker
from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.options import EngineOptions
from memory.store.postgres import PostgresStore
from memory.types import MemoryFilter, MemoryInput, Scope
from tests.store_helpers import sqlite_store

S = Scope(tenant="t", cube="c", user_id="u")
FACTS = ["朝ごはんはパンとコーヒー", "趣味は写真撮影", "I play the violin every Sunday", "妹が大阪に住んでいる"]
EVERY_MODEL = [Base.metadata, ApiBase.metadata, PrefsBase.metadata, ResonantBase.metadata]
# each dialect's lexical index, PostgreSQL's recall bookkeeping (0008) and the cluster's tables (bot.cluster:
# asyncpg SQL): SQL of their own, no model
NOT_MODELS = ("memory_fts", "memory_lexical", "memory_access", "omoide_")
NOT_MODEL_INDEXES = ("ix_memories_console",)  # dialect-specific SQL too (migration 0003_console)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'omoide.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_db(db_url)
    yield engine
    await engine.dispose()


def _current_release_database(path: Path) -> None:
    """What the release before migrations built at start: create_all of every model, then the FTS5 tables;
    an older database still lacks columns added since (api_audit.request_id, memories.words_key) and the
    preferences tables."""
    path.parent.mkdir(parents=True)
    made = create_engine(f"sqlite:///{path}")
    with made.begin() as conn:
        for metadata in EVERY_MODEL:
            metadata.create_all(conn)
        conn.execute(text(FTS_DDL))
        conn.execute(text(FTS_VOCAB_DDL))
        conn.execute(text("ALTER TABLE api_audit DROP COLUMN request_id"))
        conn.execute(text("DROP INDEX ix_memories_words"))
        conn.execute(text("ALTER TABLE memories DROP COLUMN words_key"))
        for table in PrefsBase.metadata.sorted_tables:
            conn.execute(text(f"DROP TABLE {table.name}"))
    made.dispose()


def _copy_rows(source: Path, target: Path) -> None:
    """Every memory (vectors, lexical terms), history row, key and user written by a real engine."""
    with sqlite3.connect(target) as conn:
        conn.execute("ATTACH DATABASE ? AS src", (str(source),))
        for table in ("memories", "memory_history", "cubes", "engine_meta", "api_keys", "api_users"):
            columns = ", ".join(f'"{c[1]}"' for c in conn.execute(f"PRAGMA main.table_info({table})"))
            conn.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM src.{table}")
        conn.execute("INSERT INTO main.memory_fts (rowid, terms, scope) SELECT rowid, terms, scope FROM src.memory_fts")


async def test_a_database_from_before_migrations_is_adopted_with_everything_intact(
        tmp_path: Path, embedder: Embedder, caplog: pytest.LogCaptureFixture) -> None:
    written = EngineOptions(data_dir=tmp_path / "written")
    engine = await MemoryEngine.open(written, embedder)
    ids = [(await engine.store(S, fact)).memory.id for fact in FACTS]
    async with sqlite_store(engine).sessions() as s:
        vectors = {r[0]: r[1] for r in await s.execute(select(MemoryRow.id, MemoryRow.embedding))}
    store = BotStore.beside(written)
    _, raw_key = await KeyStore(store.sessions).create("viewer overlay", tenants=["t"])
    async with store.sessions.begin() as s:
        s.add(MeshUserRow(id="user-1", email="a@example.com", username="aiko", password_hash=hash_password("pw-123"),
                          created_at=datetime.now(UTC)))
    await store.close()
    await engine.close()

    old = EngineOptions(data_dir=tmp_path / "old")
    _current_release_database(old.data_dir / "omoide.db")
    _copy_rows(written.data_dir / "omoide.db", old.data_dir / "omoide.db")
    assert "alembic_version" not in inspect(create_engine(f"sqlite:///{old.data_dir / 'omoide.db'}")).get_table_names()

    with caplog.at_level(logging.INFO, logger="memory.db"):
        engine = await MemoryEngine.open(old, embedder)  # what every start does
    store = BotStore.beside(old)
    try:
        assert await current(sqlite_store(engine).db) == head()
        assert any("made before schema migrations" in r.getMessage() and "api_audit.request_id" in r.getMessage()
                   for r in caplog.records)
        for memory_id, fact in zip(ids, FACTS, strict=True):
            assert (await engine.get(memory_id)).content == fact
        async with sqlite_store(engine).sessions() as s:
            assert {r[0]: r[1] for r in await s.execute(select(MemoryRow.id, MemoryRow.embedding))} == vectors
        hits = await engine.search("musical instrument", MemoryFilter(tenant="t"), top_k=1)
        assert hits[0].memory.content == "I play the violin every Sunday"  # the vector index, from stored vectors
        hits = await engine.search("大阪", MemoryFilter(tenant="t"), top_k=1)
        assert hits[0].memory.content == "妹が大阪に住んでいる"
        key = await KeyStore(store.sessions).find(raw_key)
        assert key is not None and key.tenants == ["t"]
        async with store.sessions() as s:
            user = await s.get(MeshUserRow, "user-1")
        assert user is not None and check_password("pw-123", user.password_hash)
        prefs = Preferences(store.db)  # its tables were missing: the adoption made them
        await prefs.set_opted_out(42, True)
        assert await prefs.opted_out(42)
    finally:
        await store.close()
        await engine.close()


async def test_upgrading_twice_changes_nothing(db: AsyncEngine) -> None:
    first = await upgrade(db)
    assert (first.before, first.after, first.adopted) == (None, head(), False)
    async with db.connect() as conn:
        schema = await conn.run_sync(_schema)
    again = await upgrade(db)
    assert (again.before, again.after) == (head(), head())
    async with db.connect() as conn:
        assert await conn.run_sync(_schema) == schema
        assert (await conn.execute(text("SELECT count(*) FROM alembic_version"))).scalar_one() == 1


def _schema(conn: Connection) -> dict[str, list[str]]:
    inspector = inspect(conn)
    return {table: sorted(c["name"] for c in inspector.get_columns(table)) for table in inspector.get_table_names()}


async def test_the_models_and_the_migrations_describe_one_schema(db: AsyncEngine) -> None:
    """A model changed without a migration (or the reverse) fails here, on both dialects."""
    await upgrade(db)
    async with db.connect() as conn:
        differences = await conn.run_sync(_differences)
    assert differences == []


def _differences(conn: Connection) -> list[object]:
    def ours(name: str | None, kind: str, _parent: object) -> bool:
        if kind == "index":
            return name not in NOT_MODEL_INDEXES
        return not (kind == "table" and name is not None and name.startswith(NOT_MODELS))

    context = MigrationContext.configure(conn, opts={"include_name": ours, "compare_type": True})
    every = MetaData()
    for metadata in EVERY_MODEL:
        for table in metadata.tables.values():
            table.to_metadata(every)
    return list(compare_metadata(context, every))


async def test_postgres_vectors_read_back_as_the_same_float32_bytes(pg_url: str) -> None:
    db = create_async_db(pg_url)
    try:
        await upgrade(db)
        vector = np.random.default_rng(7).standard_normal(384).astype(np.float32).tobytes()
        now = datetime.now(UTC)
        row = MemoryRow(id="m-1", label=1, tenant="t", cube="c", user_id="u", session_id=None, kind="content",
                        content="x", content_type="text", tier="long_term", importance=0.5, created_at=now,
                        updated_at=now, embedding=vector, embedding_model="m", embedding_dim=384)
        sessions = make_sessionmaker(db)
        async with sessions.begin() as s:
            s.add(row)
        async with sessions() as s:
            assert (await s.execute(select(MemoryRow.embedding))).scalar_one() == vector
            column = (await s.execute(text("SELECT pg_typeof(embedding)::text FROM memories"))).scalar_one()
        assert column == "vector"
    finally:
        await db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_options(request: pytest.FixtureRequest, tmp_path: Path) -> EngineOptions:
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else ""
    return EngineOptions(data_dir=tmp_path / "data", database_url=url)


def _database_url(options: EngineOptions) -> str:
    return options.database_url or f"sqlite+aiosqlite:///{options.data_dir / 'omoide.db'}"


async def _to_revision(url: str, revision: str) -> None:
    db = create_async_db(url)
    try:
        async with db.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), revision))
    finally:
        await db.dispose()


async def test_a_0001_database_is_upgraded_with_every_memory_vector_and_key_intact(
        engine_options: EngineOptions, embedder: Embedder) -> None:
    engine = await MemoryEngine.open(engine_options, embedder)
    ids = [(await engine.store(S, fact)).memory.id for fact in FACTS]
    await engine.search("musical instrument", MemoryFilter(tenant="t"), top_k=1)
    await engine.flush_access()  # a recall before the upgrade, kept in the memory's own row
    before = {m.id: m for m in (await engine.list(MemoryFilter(tenant="t"), limit=100)).memories}
    assert sorted(m.access_count for m in before.values()) == [0, 0, 0, 1]
    store = BotStore.beside(engine_options)
    _, raw_key = await KeyStore(store.sessions).create("viewer overlay", tenants=["t"])
    await store.close()
    await engine.close()
    url = _database_url(engine_options)
    await _to_revision(url, INITIAL_REVISION)  # the schema the first release shipped, holding the memories
    db = create_async_db(url)
    try:
        assert await current(db) == INITIAL_REVISION
    finally:
        await db.dispose()

    engine = await MemoryEngine.open(engine_options, embedder)  # what every start does
    store = BotStore.beside(engine_options)
    try:
        db = create_async_db(url)
        try:
            assert await current(db) == head() == "0008_memory_access"
        finally:
            await db.dispose()
        after = {m.id: m for m in (await engine.list(MemoryFilter(tenant="t"), limit=100)).memories}
        assert after == before and sorted(after) == sorted(ids)
        hits = await engine.search("musical instrument", MemoryFilter(tenant="t"), top_k=1)
        assert hits[0].memory.content == "I play the violin every Sunday"  # vectors intact
        await engine.flush_access()  # the recall after the upgrade counts on from the one before (0008)
        violin = await engine.get(hits[0].memory.id)
        assert violin.access_count == 2 and violin.last_accessed_at is not None
        hits = await engine.search("大阪", MemoryFilter(tenant="t"), top_k=1)
        assert hits[0].memory.content == "妹が大阪に住んでいる"  # lexical rows intact
        now = datetime.now(UTC)
        everyone = await engine.storage.lexical(MemoryFilter(tenant="t", cube="c"), "大阪", 5, now)
        mine = await engine.storage.lexical(MemoryFilter(tenant="t", cube="c", user_id="u"), "大阪", 5, now)
        assert len(everyone) == 1 and mine == everyone  # within one user too (PostgreSQL: the rows' scope, 0007)
        key = await KeyStore(store.sessions).find(raw_key)
        assert key is not None and key.tenants == ["t"]
    finally:
        await store.close()
        await engine.close()


async def _hnsw_definitions(url: str) -> list[str]:
    db = create_async_db(url)
    try:
        async with db.connect() as conn:
            return list((await conn.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'memories' AND indexdef LIKE :hnsw ORDER BY 1"),
                {"hnsw": "% USING hnsw %"})).scalars())
    finally:
        await db.dispose()


async def test_a_turn_saved_before_0006_is_still_reinforced_when_said_again_after_the_upgrade(
        engine_options: EngineOptions, embedder: Embedder) -> None:
    """Migration 0006 gives stored turns their words' hash; a save only looks for duplicates of turns
    whose hash is stored, so without it every repeat of an older turn would become a copy."""
    engine = await MemoryEngine.open(engine_options, embedder)
    first = await engine.save(MemoryInput(S, user_message="We booked the Hokkaido trip today!", ai_message="Enjoy!"))
    await engine.close()
    url = _database_url(engine_options)
    await _to_revision(url, "0005_history_bigint")
    if engine_options.database_url:  # PostgreSQL: the backfill drops the graph (all rows are turns), builds it again
        before = await _hnsw_definitions(url)
        db = create_async_db(url)
        try:
            await upgrade(db)
        finally:
            await db.dispose()
        assert before and await _hnsw_definitions(url) == before

    engine = await MemoryEngine.open(engine_options, embedder)  # upgraded on start (SQLite)
    try:
        again = await engine.save(MemoryInput(S, user_message="we booked the hokkaido trip today", ai_message="enjoy"))
        assert again.deduplicated and again.memory.id == first.memory.id
        assert again.memory.reinforce_count == 1
        assert (await engine.list(MemoryFilter(tenant="t"))).total == 1
    finally:
        await engine.close()


async def test_postgres_schema_has_64_bit_labels_and_the_cluster_tables(pg_url: str) -> None:
    db = create_async_db(pg_url)
    try:
        await upgrade(db)
        async with db.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            label = (await conn.execute(text("SELECT data_type FROM information_schema.columns "
                                             "WHERE table_name = 'memories' AND column_name = 'label'"))).scalar_one()
    finally:
        await db.dispose()
    assert {"omoide_push_payloads", "omoide_rate_buckets"} <= tables  # made by the migration, not by a process
    assert label == "bigint"  # as memory_label_seq, which hands labels out and never reuses one


@pytest.fixture
async def pg_engine(pg_url: str, tmp_path: Path, embedder: Embedder) -> AsyncIterator[MemoryEngine]:
    engine = await MemoryEngine.open(EngineOptions(data_dir=tmp_path / "data", database_url=pg_url), embedder)
    try:
        yield engine
    finally:
        await engine.close()


async def _past_32_bits(engine: MemoryEngine, sequence: str) -> PostgresStore:
    """Move the sequence past INTEGER's 2^31 - 1: its next value is 3000000001."""
    store = engine.storage
    assert isinstance(store, PostgresStore)
    async with store.db.begin() as conn:
        await conn.execute(text(f"SELECT setval({sequence}, 3000000000)"))
    return store


async def test_postgres_saves_and_finds_a_memory_whose_label_is_past_32_bits(pg_engine: MemoryEngine) -> None:
    store = await _past_32_bits(pg_engine, "'memory_label_seq'")
    saved = await pg_engine.store(S, "猫の名前はミケです")
    found = await pg_engine.search("ミケ", MemoryFilter(tenant="t"), top_k=1)
    assert found[0].memory.id == saved.memory.id
    assert [r.label for r in await store.records(after_label=0, limit=10)] == [3000000001]


async def test_postgres_writes_and_reads_history_whose_id_is_past_32_bits(pg_engine: MemoryEngine) -> None:
    """History rows are kept after deletion, so their ids outrun labels: INTEGER stopped every write at 2^31 - 1."""
    store = await _past_32_bits(pg_engine, "pg_get_serial_sequence('memory_history', 'id')")
    saved = await pg_engine.store(S, "猫の名前はミケです")
    await pg_engine.update(saved.memory.id, content="猫の名前はタマです")
    assert [h["action"] for h in await pg_engine.history(saved.memory.id)] == ["add", "update"]
    async with store.db.connect() as conn:
        ids = (await conn.execute(text("SELECT id FROM memory_history ORDER BY id"))).scalars().all()
    assert ids == [3000000001, 3000000002]
