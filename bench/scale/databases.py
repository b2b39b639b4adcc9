"""Fresh databases for the benchmark on a PostgreSQL server: one per size and per worker count, so no
run sees another's memories; dropped after."""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url


async def _on_server(url: str, statement: str) -> None:
    """One statement on the server of `url`, outside a transaction (CREATE / DROP DATABASE cannot run in one)."""
    u = make_url(url)
    conn = await asyncpg.connect(host=u.host, port=u.port, user=u.username, password=u.password, database=u.database)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def create_database(url: str, name: str) -> str:
    """An empty database `name` on the server of `url`; returns its URL (the engine migrates it on open)."""
    await _on_server(url, f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str, database_url: str) -> None:
    await _on_server(url, f'DROP DATABASE IF EXISTS "{make_url(database_url).database}" WITH (FORCE)')
