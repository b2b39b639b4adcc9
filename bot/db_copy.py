"""`python -m bot db copy --to postgresql+asyncpg://...`: move a SQLite data dir's database into PostgreSQL.

Everything is copied: memories with their vectors (into pgvector), their history, cubes and engine
bookkeeping, the lexical terms (FTS5 rows become tsvectors, memory.store.postgres.lexical), and every
bot table (API keys, users, grants, conversations, audit, Discord preferences, Resonant). The target
must have the schema (`python -m bot db upgrade` with DATABASE_URL set to it) and be empty, unless
`--replace` says to empty it first. The HNSW indexes are dropped before the rows go in and built once
after (inserting into a graph row by row is what makes a large load slow). The copy is one transaction:
the counts are compared before it commits, so a failure or a mismatch leaves the target as it was. After
the commit the tables are vacuumed and analysed, as autovacuum would do later (meanwhile searches read
more pages and compete with it). The bot must not be running (the data dir's lock is held throughout).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import DateTime, Integer, MetaData, Table, func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.api.tables import ApiBase
from bot.discord.prefs import PrefsBase
from bot.resonant.models import ResonantBase
from memory.clock import as_utc
from memory.db.models import Base
from memory.db.session import create_engine as create_sqlite_engine
from memory.errors import OmoideError
from memory.store.postgres import tables as pg
from memory.store.postgres.connect import create_engine as create_pg_engine
from memory.store.postgres.connect import explain_connect_error, parse_url, vacuum_analyze
from memory.store.postgres.lexical import tsvector_literal
from memory.store.postgres.store import check_schema
from memory.store.postgres.vectors import drop_indexes, ensure_indexes

CHUNK = 1000
BUILD_MEMORY = "1GB"  # the HNSW build's memory cap: a graph that fits is built in memory (250k x 384: ~0.6 GB)
LEXICAL = "memory_lexical"
ACCESS = "memory_access"  # recall bookkeeping (0008): the copied memories carry theirs in their own columns


class CopyError(OmoideError):
    """The copy cannot start or did not match; nothing was written to the target."""

    error_type = "CopyError"


@dataclass(slots=True)
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied (and found in the target)


def copied_tables() -> list[Table]:
    """The engine's tables, then the bot's, each set in foreign-key order."""
    metadatas: list[MetaData] = [Base.metadata, ApiBase.metadata, PrefsBase.metadata, ResonantBase.metadata]
    return [t for m in metadatas for t in m.sorted_tables]


def _target_table(table: Table) -> Table:
    """Where a table's rows go: the PostgreSQL store's view of the engine's tables (pgvector column)."""
    return pg.metadata.tables.get(table.name, table)


def _utc_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, DateTime) and c.type.timezone]


async def _source_tables(conn: AsyncConnection) -> set[str]:
    return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def _count(conn: AsyncConnection, name: str) -> int:
    return int((await conn.execute(text(f'SELECT count(*) FROM "{name}"'))).scalar_one())


async def _empty_target(conn: AsyncConnection, names: Sequence[str], replace: bool) -> None:
    filled = [n for n in names if await _count(conn, n)]
    if filled and not replace:
        raise CopyError(f"the target database already holds data ({', '.join(filled[:5])}"
                        f"{'...' if len(filled) > 5 else ''}); copy into an empty database, or pass --replace "
                        "to delete what it holds first")
    if filled:
        await conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"))


async def _copy_table(src: AsyncConnection, dst: AsyncConnection, table: Table, advance: Callable[[int], Any]) -> int:
    target = _target_table(table)
    utc = _utc_columns(table)
    order = list(table.primary_key.columns) or list(table.columns)[:1]
    copied = 0
    result = await src.stream(select(table).order_by(*order))
    async for chunk in result.partitions(CHUNK):
        rows = [dict(r._mapping) for r in chunk]
        for row in rows:
            for name in utc:
                row[name] = as_utc(row[name])
        await dst.execute(target.insert(), rows)
        copied += len(rows)
        advance(len(rows))
    return copied


# FTS5 rows of a memory (a row without one is never found: not copied), as lexical rows with their
# memory's scope (copied before them)
_FTS_ROWS = "FROM memory_fts WHERE rowid IN (SELECT label FROM memories)"
_INSERT_LEXICAL = text(
    "INSERT INTO memory_lexical (label, terms, tenant, cube, user_id) "
    "SELECT m.label, CAST(v.terms AS tsvector), m.tenant, m.cube, m.user_id "
    "FROM unnest(CAST(:labels AS bigint[]), CAST(:terms AS text[])) AS v(label, terms) "
    "JOIN memories m ON m.label = v.label")


async def _count_lexical(src: AsyncConnection) -> int:
    return int((await src.execute(text(f"SELECT count(*) {_FTS_ROWS}"))).scalar_one())


async def _copy_lexical(src: AsyncConnection, dst: AsyncConnection, advance: Callable[[int], Any]) -> int:
    copied = 0
    result = await src.stream(text(f"SELECT rowid, terms {_FTS_ROWS} ORDER BY rowid"))
    async for chunk in result.partitions(CHUNK):
        await dst.execute(_INSERT_LEXICAL, {"labels": [int(label) for label, _ in chunk],
                                            "terms": [tsvector_literal(terms or "") for _, terms in chunk]})
        copied += len(chunk)
        advance(len(chunk))
    return copied


async def _reset_sequences(dst: AsyncConnection, tables: Sequence[Table]) -> None:
    """Sequences continue after the copied ids: labels after the largest label (or the recorded next one)."""
    top = (await dst.execute(select(func.max(pg.memories.c.label)))).scalar_one() or 0
    recorded = (await dst.execute(select(pg.engine_meta.c.value).where(pg.engine_meta.c.key == "next_label"))
                ).scalar_one_or_none()
    last = max(int(top), int(recorded) - 1 if recorded else 0)
    await dst.execute(text(f"SELECT setval('{pg.LABEL_SEQUENCE}', :v, :called)"), {"v": max(last, 1),
                                                                                  "called": last > 0})
    for table in tables:
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer) and column.autoincrement in (True, "auto"):
                await dst.execute(text(
                    f"SELECT setval(pg_get_serial_sequence(:t, :c), coalesce(max(\"{column.name}\"), 0) + 1, false) "
                    f'FROM "{table.name}"'), {"t": table.name, "c": column.name})


async def copy_database(source_url: str, target_url: str, *, replace: bool = False,
                        progress: Callable[[int], Callable[[int], Any]] | None = None) -> CopyReport:
    """Copy every Omoide table of the SQLite database at `source_url` into the PostgreSQL one at
    `target_url`, in one transaction; `progress(total_rows)` returns what to call with each chunk's row count."""
    parsed = parse_url(target_url)
    source: AsyncEngine = create_sqlite_engine(source_url)
    target = create_pg_engine(target_url, pool_size=1)
    report = CopyReport()
    try:
        async with source.connect() as src:
            present = await _source_tables(src)
            tables = [t for t in copied_tables() if t.name in present]
            counts = {t.name: await _count(src, t.name) for t in tables}
            fts = await _count_lexical(src) if "memory_fts" in present else 0
            advance = (progress or (lambda total: lambda n: None))(sum(counts.values()) + fts)
            try:
                async with target.begin() as dst:
                    await check_schema(dst)
                    target_tables = set(await dst.run_sync(lambda sync: inspect(sync).get_table_names()))
                    missing = [t.name for t in tables if t.name not in target_tables]
                    if missing:
                        raise CopyError(f"the target database lacks tables {', '.join(missing)}: run "
                                        "`python -m bot db upgrade` with DATABASE_URL set to it first")
                    await _empty_target(dst, [*(t.name for t in tables), LEXICAL, ACCESS], replace)
                    await drop_indexes(dst)  # built once after the load: far faster than row by row
                    for table in tables:
                        report.rows[table.name] = await _copy_table(src, dst, table, advance)
                    report.rows[LEXICAL] = await _copy_lexical(src, dst, advance) if fts else 0
                    await _reset_sequences(dst, tables)
                    dims = (await dst.execute(select(pg.memories.c.embedding_dim).distinct())).scalars()
                    await dst.execute(text(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"))
                    await ensure_indexes(dst, list(dims))
                    found = {t.name: await _count(dst, t.name) for t in tables} | {LEXICAL: await _count(dst, LEXICAL)}
                    wanted = counts | {LEXICAL: fts}
                    wrong = {n: (wanted[n], found[n]) for n in wanted if wanted[n] != found[n]}
                    if wrong:  # raising here rolls the whole copy back
                        raise CopyError("counts differ after the copy (source, target): "
                                        + ", ".join(f"{n} {a} != {b}" for n, (a, b) in wrong.items()))
                await vacuum_analyze(target)  # committed: searches start in steady state, not behind autovacuum
            except (OSError, TimeoutError) as e:
                raise explain_connect_error(parsed, e) from e
    finally:
        await source.dispose()
        await target.dispose()
    return report
