"""Shared fixtures: the real packaged model (built once per run), a fresh engine per test."""

from __future__ import annotations

import os

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from collections.abc import AsyncIterator, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from bot.telemetry.tracing import TRACING  # noqa: E402
from memory.clock import ManualClock  # noqa: E402
from memory.embedding.base import Embedder  # noqa: E402
from memory.embedding.factory import create_embedder  # noqa: E402
from memory.engine import MemoryEngine  # noqa: E402
from memory.options import DEFAULT_MODEL_ID, EngineOptions  # noqa: E402
from memory.store.postgres import PostgresStore  # noqa: E402
from tests.pg_schema import STORE_DIM, create_pg_schema  # noqa: E402
from tests.postgres_server import PostgresServer, running_cluster  # noqa: E402


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under OMOIDE_TEST_DATABASE=postgres, tests of SQLite-only things are skipped (and counted as such),
    and so are tests that already run on both stores themselves (the SQLite run has them)."""
    if os.environ.get("OMOIDE_TEST_DATABASE") != "postgres":
        return
    sqlite_only = pytest.mark.skip(reason="tests what only the embedded SQLite store has")
    ran_already = pytest.mark.skip(reason="runs on both stores by itself: the SQLite run of the suite has it")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(sqlite_only)
        elif item.get_closest_marker("both_stores"):
            item.add_marker(ran_already)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def embedder(model_dir: Path) -> Embedder:
    return create_embedder(DEFAULT_MODEL_ID, "fastembed", model_dir)


@pytest.fixture
def options(tmp_path: Path, request: pytest.FixtureRequest) -> EngineOptions:
    """EXACT_SEARCH_MAX=0 in the environment sends every search through the HNSW index (CI runs the
    retrieval tests once that way); OMOIDE_TEST_DATABASE=postgres puts the engine on PostgreSQL (a fresh
    database per test)."""
    exact = os.environ.get("EXACT_SEARCH_MAX")
    on_postgres = os.environ.get("OMOIDE_TEST_DATABASE") == "postgres"
    return EngineOptions(data_dir=tmp_path / "data",
                         database_url=request.getfixturevalue("pg_schema_url") if on_postgres else "",
                         **({"exact_search_max": int(exact)} if exact is not None else {}))


@pytest.fixture
def clock() -> ManualClock:
    """A clock the test moves (`clock.advance(seconds)`); a test that asks for it gets an engine on it."""
    return ManualClock()


@pytest.fixture
async def engine(options: EngineOptions, embedder: Embedder, request: pytest.FixtureRequest
                 ) -> AsyncIterator[MemoryEngine]:
    clock = request.getfixturevalue("clock") if "clock" in request.fixturenames else None
    eng = await MemoryEngine.open(options, embedder, clock=clock)
    yield eng
    await eng.close()


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Spans of the test, kept in memory (tracing on for its length; API and Discord tests read them)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    TRACING.use(provider)
    try:
        yield exporter
    finally:
        TRACING.use(None)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL 18 + pgvector cluster on 127.0.0.1 for the whole run, started on first use (~2 s)."""
    with running_cluster() as server:
        yield server


@pytest.fixture
async def pg_url(postgres: PostgresServer) -> AsyncIterator[str]:
    """A fresh, empty database for one test, as an operator creates it (no extension: the migrations
    add `vector`); dropped after it."""
    url = await postgres.create_database()
    try:
        yield url
    finally:
        await postgres.drop_database(url)


@pytest.fixture
async def store(pg_url: str) -> AsyncIterator[PostgresStore]:
    """A PostgresStore opened on `pg_url` with the schema made (STORE_DIM-dimensional vectors, model "test"),
    for the tests of the store itself (tests/test_postgres_*.py)."""
    await create_pg_schema(pg_url)
    s = await PostgresStore.open(pg_url, dim=STORE_DIM, model_id="test")
    yield s
    await s.close()


@pytest.fixture
async def pg_schema_url(pg_url: str) -> str:
    """`pg_url` with the engine's and the bot's tables made by the migrations."""
    await create_pg_schema(pg_url)
    return pg_url
