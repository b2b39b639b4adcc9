"""Connecting to PostgreSQL: DATABASE_URL checked before anything runs, a refused or failed connection
at start turned into one message that says what to fix, and reads retried with backoff when a
connection drops mid-run (writes are one transaction each and are not retried: a failed commit keeps
nothing, and the caller sees the error).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import asyncpg
from pgvector.asyncpg import register_vector
from sqlalchemy import event, exc
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from memory.db.database_url import DatabaseUrlError, check_url
from memory.errors import StoreUnavailableError

T = TypeVar("T")
READ_ATTEMPTS = 4  # ~0.1 + 0.2 + 0.4 s of waiting: a restarting server or a failover, not an outage


def _where(url: URL) -> str:
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def parse_url(raw: str) -> URL:
    """DATABASE_URL as a PostgreSQL + asyncpg URL naming a database, or DatabaseUrlError saying how to
    write it (the scheme and driver checks are memory.db.database_url's, shared with SQLite)."""
    url = check_url(raw)
    if url.get_backend_name() != "postgresql":
        raise DatabaseUrlError(f"DATABASE_URL names {url.get_backend_name()!r}, not PostgreSQL")
    if not url.database:
        raise DatabaseUrlError("DATABASE_URL names no database: end it with /DATABASE")
    return url


# Every connection scans HNSW iteratively (pgvector 0.8): a filtered nearest-neighbour query keeps
# walking the graph until its LIMIT is met instead of stopping after ef_search candidates, so one user in
# a big cube still gets their own top k. Set per connection at its start rather than SET LOCAL per query:
# a search then costs one round trip, not four (BEGIN, SET, the query, COMMIT), which under load is most
# of its database time. Larger tables search wider (vectors.ef_for): a search raises the pooled
# connection's ef_search once and keeps it there (vectors.use_ef), so it stays one round trip; a read in
# a transaction sets it locally (vectors.scan_settings). Where a search's time went at 250k (the scale
# benchmark's cube, profiled: EXPLAIN ANALYZE, the engine's phase timers, py-spy): not in fetching whole
# rows (the graph query reading labels only saved 0.3 ms) but in the graph walk, which grows with
# ef_search (server time 1.3 ms at 400, 3.0 at 1000, quiet), and in the model sharing 2 cores with the
# lexical query. The earlier full-vector graph (m 24, ef_construction 200) needed 1000 for recall@10
# 0.96 (0.936 at 800 and 0.914 at 400 on one build; builds differ by ~0.02); the half-precision graph
# at m 32 / ef_construction 400 (vectors.index_ddl) gets 0.971 at 500 and 0.959 at 400 on the same cube,
# and at 500 measured -3.2 to -5.2 ms on the whole-cube search over the raw embed against the old graph
# at 1000, paired in three runs under load (+16.1 -> +12.7, +17.6 -> +12.4, and at load 2: +9.6 -> +6.4,
# one user +6.7 -> +5.7; 400: a further -1 to -2 ms for recall 0.959). Builds of the same rows differ:
# two fresh builds of the benchmark's cube got 0.973 / 0.952 at 500 and 0.982 / 0.961 at 600 (0.972 at
# 800 on the second), so 600 keeps every build measured above 0.95 for ~0.4 ms of walk.
# 100 kept 0.995+ at 10k on the earlier graph (docs/benchmarks.md, "Scale"). Only scopes above
# EXACT_SEARCH_MAX reach the graph at all (smaller ones are searched exactly).
EF_SEARCH = 100
LARGE_TABLE = 100_000  # memories (the planner's estimate, pg_class.reltuples) from which LARGE_EF_SEARCH applies
LARGE_EF_SEARCH = 600
LEGACY_EF_SEARCH = 1000  # a large table whose graph is still the earlier full-vector one (vectors.full_vector_graphs)
MAX_EF_SEARCH = 1000  # pgvector refuses a larger hnsw.ef_search
MAX_SCAN_TUPLES = 40_000  # how far an iterative scan walks before it gives up (pgvector's default: 20k)
SCAN_SETTINGS = {"hnsw.iterative_scan": "relaxed_order", "hnsw.ef_search": str(EF_SEARCH),
                 "hnsw.max_scan_tuples": str(MAX_SCAN_TUPLES)}


def create_engine(raw_url: str, *, pool_size: int = 10, pre_ping: bool = False) -> AsyncEngine:
    """An asyncpg engine whose connections exchange vectors in pgvector's binary format and scan HNSW
    iteratively. No connection is made here. Reads skip the ping before use (a round trip each): a read
    whose connection dropped is retried instead (`retrying`); writes, never retried, ping."""
    url = parse_url(raw_url)
    engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800,
                                 pool_pre_ping=pre_ping, connect_args={"server_settings": SCAN_SETTINGS})

    @event.listens_for(engine.sync_engine, "connect")
    def _vectors(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.run_async(register_vector)

    return engine


BULK_LOADED = ("memories", "memory_lexical", "memory_history")  # the tables a bulk load fills


async def vacuum_analyze(db: AsyncEngine, tables: Sequence[str] = BULK_LOADED) -> None:
    """VACUUM (ANALYZE) after a bulk load, as autovacuum would a while later: the visibility map (so an
    index-only scan of a user's labels skips the heap), hint bits and the planner's statistics. Until then
    searches read more pages and autovacuum's own run takes CPU from them. Outside any transaction (VACUUM
    refuses to run in one)."""
    async with db.connect() as conn:
        auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await auto.exec_driver_sql(f"VACUUM (ANALYZE) {', '.join(tables)}")


def explain_connect_error(url: URL, error: BaseException) -> StoreUnavailableError:
    """What to fix, in words, for an error raised while connecting (never shows the password)."""
    where = _where(url)
    cause: BaseException = error
    while isinstance(cause, exc.DBAPIError) and cause.orig is not None:
        cause = cause.orig
    if hasattr(cause, "__cause__") and cause.__cause__ is not None and not isinstance(cause, asyncpg.PostgresError):
        cause = cause.__cause__
    if isinstance(cause, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        hint = f"PostgreSQL refused user {url.username!r}: check the user and password in DATABASE_URL"
    elif isinstance(cause, asyncpg.InvalidCatalogNameError):
        hint = (f"database {url.database!r} does not exist on {url.host}: create it (createdb) "
                "or fix the name in DATABASE_URL")
    elif isinstance(cause, ValueError) and "unknown type" in str(cause) and "vector" in str(cause):
        hint = ("the pgvector extension is not installed in this database: run `python -m bot db upgrade` "
                "(or CREATE EXTENSION vector as a superuser)")
    elif isinstance(cause, OSError | TimeoutError | asyncpg.CannotConnectNowError):
        hint = (f"cannot connect to PostgreSQL at {where} ({cause.__class__.__name__}: {cause}): "
                "is the server running and is DATABASE_URL's host and port right?")
    else:
        hint = f"cannot use PostgreSQL at {where}: {cause.__class__.__name__}: {cause}"
    return StoreUnavailableError(f"DATABASE_URL: {hint}", field="DATABASE_URL")


def is_disconnect(error: BaseException) -> bool:
    """A dropped or refused connection (worth another try), not a bad statement."""
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig if error.orig is not None else error
    return isinstance(error, OSError | ConnectionError | asyncpg.ConnectionDoesNotExistError
                      | asyncpg.CannotConnectNowError | asyncpg.AdminShutdownError
                      | asyncpg.InterfaceError) or "connection is closed" in str(error)


async def retrying(read: Callable[[], Awaitable[T]], *, attempts: int = READ_ATTEMPTS) -> T:
    """Run a read again, with exponential backoff, when its connection dropped."""
    async for attempt in AsyncRetrying(retry=retry_if_exception(is_disconnect), stop=stop_after_attempt(attempts),
                                       wait=wait_exponential(multiplier=0.1, max=2.0), reraise=True):
        with attempt:
            return await read()
    raise AssertionError("unreachable: tenacity reraises the last error")
