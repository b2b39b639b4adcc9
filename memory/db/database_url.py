"""What is wrong with DATABASE_URL, in one line an operator can act on (never the password).

Omoide speaks to SQLite through aiosqlite and to PostgreSQL through asyncpg: other schemes, sync
drivers and unreachable servers are refused here before anything is written.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from memory.errors import StoreUnavailableError

SUPPORTED = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
EXAMPLES = "sqlite+aiosqlite:///data/omoide.db or postgresql+asyncpg://user:password@host:5432/omoide"


class DatabaseUrlError(StoreUnavailableError):
    """DATABASE_URL names no database Omoide can use, or one it cannot reach (the store is unavailable
    for a reason the URL itself shows)."""

    error_type = "DatabaseUrlError"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="DATABASE_URL")


def shown(url: URL | str) -> str:
    """The URL as it may be printed: the password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparseable)"


def check_url(url: URL | str) -> URL:
    """The parsed URL, or DatabaseUrlError when its scheme or driver is not one Omoide runs on."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(f"DATABASE_URL is not a database URL; use {EXAMPLES}") from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if SUPPORTED.get(backend) != driver:
        raise DatabaseUrlError(f"DATABASE_URL {shown(parsed)} uses {parsed.drivername!r}, which Omoide does not "
                               f"run on; use {EXAMPLES}")
    return parsed


async def check_reachable(db: AsyncEngine) -> None:
    """Connect once; DatabaseUrlError saying why when the server, the file or the login is not there."""
    try:
        async with db.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (DBAPIError, OSError, TimeoutError) as exc:
        reason = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        what = str(reason).strip().splitlines()[0] if str(reason).strip() else type(reason).__name__
        raise DatabaseUrlError(f"DATABASE_URL {shown(db.url)}: cannot reach the database ({what}); check the "
                               f"host, port, user, password and database name") from exc
