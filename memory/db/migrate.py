"""Schema migrations (Alembic, memory/db/migrations): every start and `python -m bot db upgrade` bring the
database to the head revision.

The upgrade runs in one transaction under a lock, so processes starting together take turns and the
later ones find nothing to do: PostgreSQL's transaction-level advisory lock, SQLite's write lock (BEGIN
IMMEDIATE; the bot also holds the data-dir lock while it starts). A database made before migrations
existed (create_all, no alembic_version) is checked against the first revision, completed, and stamped
(memory.db.adopt).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from memory.db.adopt import adopt_unversioned
from memory.db.database_url import check_url, shown
from memory.errors import OmoideError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
INITIAL_REVISION = "0001"
# one key for every process upgrading one database ("omoide" in ASCII); pg_advisory_xact_lock takes a bigint
ADVISORY_LOCK_KEY = 0x6F6D6F696465
CONNECT_TIMEOUT_SECONDS = 10


class SchemaVersionError(OmoideError):
    """The database's schema cannot be brought to this release's head (a newer release's, or not Omoide's)."""

    error_type = "SchemaVersionError"


@dataclass(frozen=True, slots=True)
class Upgrade:
    before: str | None  # the revision found (None: empty or made before migrations)
    after: str
    adopted: bool = False  # made before migrations: checked, completed and stamped


def alembic_config(connection: Connection | None = None) -> Config:
    """The configuration an alembic.ini would hold, built in code; env.py runs on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The revision this release's code expects."""
    revision = scripts().get_current_head()
    if revision is None:
        raise SchemaVersionError(f"no migrations found in {MIGRATIONS_DIR}: the package is incomplete")
    return revision


def revision_of(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


async def current(db: AsyncEngine) -> str | None:
    """The database's revision, None when it has none (empty, or made before migrations)."""
    async with db.connect() as conn:
        return await conn.run_sync(revision_of)


async def upgrade(db: AsyncEngine) -> Upgrade:
    """Bring the database behind `db` to the head revision; a no-op (one read) when it is there already."""
    url = check_url(db.url)
    found = await current(db)
    if found == head():
        return Upgrade(found, found)
    locked = _locking_engine(url)
    try:
        async with locked.begin() as conn:
            if url.get_backend_name() == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            outcome = await conn.run_sync(_upgrade_locked, shown(url))
    finally:
        await locked.dispose()
    if outcome.before != outcome.after:
        log.info("database schema upgraded from %s to %s", outcome.before or "nothing", outcome.after)
    return outcome


def _upgrade_locked(conn: Connection, where: str) -> Upgrade:
    """Under the lock: read the revision again (another process may have just upgraded), then upgrade."""
    before = revision_of(conn)
    if before == head():
        return Upgrade(before, before)
    if before is not None:
        try:
            scripts().get_revision(before)
        except CommandError:
            raise SchemaVersionError(f"the database {where} is at schema revision {before}, which this release does "
                                     f"not know (a newer release upgraded it): run that release, or restore a "
                                     f"snapshot taken before", field="DATABASE_URL") from None
    adopted = before is None and adopt_unversioned(conn, scripts().get_revision(INITIAL_REVISION).module, where)
    config = alembic_config(conn)
    if adopted:
        command.stamp(config, INITIAL_REVISION)
    command.upgrade(config, "head")
    return Upgrade(before, head(), adopted)


def _locking_engine(url: URL) -> AsyncEngine:
    """A short-lived engine whose transactions lock the database for writing from their start."""
    if url.get_backend_name() != "sqlite":
        return create_async_engine(url, poolclass=NullPool, connect_args={"timeout": CONNECT_TIMEOUT_SECONDS})
    engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _driver_transactions_off(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's recipe: pysqlite's own BEGIN would come too late

    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediate(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
