"""`python -m bot db upgrade` and `db current` as an operator runs them: on SQLite and on PostgreSQL (the
schema, its sequence and extension made by the command), two processes upgrading one PostgreSQL at the
same moment, and a bad DATABASE_URL refused in one line."""

from __future__ import annotations

import asyncio
import socket
import subprocess
from pathlib import Path

import pytest
from botproc import ROOT, bot_command, bot_env

from memory.db.migrate import ADVISORY_LOCK_KEY, head
from tests.pg_schema import connect

PG_TABLES = {"memories", "memory_history", "cubes", "engine_meta", "memory_lexical", "api_keys", "api_users",
             "api_audit", "api_conversations", "bot_user_prefs", "resonant_sessions", "alembic_version"}


def db_command(data_dir: Path, action: str, database_url: str | None) -> subprocess.CompletedProcess[str]:
    env = bot_env(data_dir, **({"DATABASE_URL": database_url} if database_url else {}))
    return subprocess.run(bot_command("db", action), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def start_db_command(data_dir: Path, action: str, database_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(bot_command("db", action), cwd=ROOT, env=bot_env(data_dir, DATABASE_URL=database_url),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None: the default SQLite file in DATA_DIR."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("pg_url")
    return url


def test_upgrade_then_current_prints_the_head(tmp_path: Path, database_url: str | None) -> None:
    before = db_command(tmp_path, "current", database_url)
    assert before.returncode == 0, before.stderr
    assert before.stdout.startswith("none")
    done = db_command(tmp_path, "upgrade", database_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"upgraded an empty database -> {head()} (head)"
    again = db_command(tmp_path, "upgrade", database_url)
    assert again.returncode == 0 and again.stdout.strip() == f"{head()} (head): the database is up to date"
    now = db_command(tmp_path, "current", database_url)
    assert now.returncode == 0 and now.stdout.strip() == f"{head()} (head)"


async def test_upgrade_makes_the_postgres_schema(tmp_path: Path, pg_url: str) -> None:
    conn = await connect(pg_url)
    try:
        # a database as an operator creates it: the migration adds the extension
        assert await conn.fetchval("SELECT count(*) FROM pg_extension WHERE extname = 'vector'") == 0
        done = await asyncio.to_thread(db_command, tmp_path, "upgrade", pg_url)
        assert done.returncode == 0, done.stderr
        tables = {r["tablename"] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")}
        assert PG_TABLES <= tables
        assert not any(name.startswith("memory_fts") for name in tables)  # SQLite's FTS5 stays SQLite's
        assert await conn.fetchval("SELECT extversion FROM pg_extension WHERE extname = 'vector'") is not None
        assert await conn.fetchval("SELECT nextval('memory_label_seq')") == 1
        assert await conn.fetchval("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                                   "WHERE attrelid = 'memories'::regclass AND attname = 'embedding'") == "vector"
        index = await conn.fetchval("SELECT indexdef FROM pg_indexes WHERE tablename = 'memory_lexical' "
                                    "AND indexname = 'ix_memory_lexical_terms'")
        assert "USING gin (terms)" in index
        assert await conn.fetchval("SELECT version_num FROM alembic_version") == head()
    finally:
        await conn.close()


async def test_two_processes_upgrading_one_postgres_together_both_succeed(tmp_path: Path, pg_url: str) -> None:
    holder = await connect(pg_url)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_KEY)  # both will queue behind it
        procs = [start_db_command(tmp_path, "upgrade", pg_url) for _ in range(2)]
        waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        for _ in range(600):  # until both wait on the lock (each process starts in a second or two)
            if await holder.fetchval(waiting) == 2 or any(p.poll() is not None for p in procs):
                break
            await asyncio.sleep(0.1)
        assert await holder.fetchval(waiting) == 2, [p.communicate() for p in procs]
        await holder.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_KEY)
        outputs = [await asyncio.to_thread(p.communicate, None, 120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outputs
        assert sorted(out.strip() for out, _ in outputs) == [f"{head()} (head): the database is up to date",
                                                             f"upgraded an empty database -> {head()} (head)"]
        assert await holder.fetchval("SELECT count(*) FROM alembic_version") == 1
    finally:
        await holder.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("url", ["mysql+aiomysql://omoide:s3cret-pw@127.0.0.1/omoide",
                                 "postgresql://omoide:s3cret-pw@127.0.0.1/omoide",
                                 "postgresql+asyncpg://omoide:s3cret-pw@127.0.0.1:{port}/omoide",
                                 "not a url"])
def test_a_bad_database_url_is_one_line_naming_it(tmp_path: Path, url: str) -> None:
    result = db_command(tmp_path, "upgrade", url.format(port=_closed_port()))
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "DATABASE_URL" in lines[0], result.stderr
    assert "Traceback" not in result.stderr and "s3cret-pw" not in result.stderr + result.stdout
