"""Fresh databases for the benchmark on a PostgreSQL server: one per size and per worker count, so no
run sees another's memories; dropped after."""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url


async def _admin(url: str) -> asyncpg.Connection:
    u = make_url(url)
    return await asyncpg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                                 database=u.database)


async def create_database(url: str, name: str) -> str:
    """An empty database `name` on the server of `url`; returns its URL (the engine migrates it on open)."""
    conn = await _admin(url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str, database_url: str) -> None:
    conn = await _admin(url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{make_url(database_url).database}" WITH (FORCE)')
    finally:
        await conn.close()
