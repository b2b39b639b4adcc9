"""Which database a DATABASE_URL names, and the plain libpq DSN asyncpg wants for it."""

from __future__ import annotations

from sqlalchemy.engine import make_url


def is_postgres(database_url: str | None) -> bool:
    """True for `postgresql://` and `postgresql+<driver>://` URLs; empty means the embedded SQLite."""
    if not database_url:
        return False
    return make_url(database_url).get_backend_name() == "postgresql"


def asyncpg_dsn(database_url: str) -> str:
    """`postgresql+asyncpg://u:p@h/db` -> `postgresql://u:p@h/db` (the password kept, for connecting)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)
