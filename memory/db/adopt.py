"""Databases made before migrations: releases up to 0.1 built the schema with create_all at start and kept
no alembic_version. Such a database is compared with what the first revision builds (run on a scratch
in-memory SQLite, so the revision itself is the reference), completed the way those releases' start did
(missing tables, indexes and defaulted columns added, the FTS5 tables created), then stamped by the caller.
"""

from __future__ import annotations

import logging
from types import ModuleType

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, MetaData, create_engine, inspect
from sqlalchemy.schema import CreateColumn

from memory.errors import OmoideError

log = logging.getLogger(__name__)

ALEMBIC_TABLE = "alembic_version"
FTS_PREFIX = "memory_fts"  # the FTS5 tables and their shadow tables: compared by name only


class UnversionedSchemaError(OmoideError):
    """A database without migration records whose tables are not the ones the first revision makes."""

    error_type = "UnversionedSchemaError"


def adopt_unversioned(conn: Connection, initial: ModuleType, where: str) -> bool:
    """False for a database holding none of Omoide's tables (the migrations build it from scratch); True
    once an older release's database matches the first revision and may be stamped with it."""
    reference = _reference_schema(initial)
    existing = set(inspect(conn).get_table_names()) - {ALEMBIC_TABLE}
    if not existing & set(reference.tables):
        return False
    if conn.dialect.name != "sqlite":  # releases before migrations could not create a PostgreSQL schema
        raise UnversionedSchemaError(f"the database {where} holds Omoide's tables but no migration record "
                                     f"({ALEMBIC_TABLE}): it was not made by `python -m bot db upgrade`; use an "
                                     f"empty database", field="DATABASE_URL")
    added = _complete(conn, reference)
    if not any(name.startswith(FTS_PREFIX) for name in existing):
        for statement in initial.SQLITE_LEXICAL:
            conn.exec_driver_sql(statement)
        added.append("the lexical index (memory_fts)")
    log.info("the database %s was made before schema migrations: checked it against revision %s%s and "
                "stamped it", where, initial.revision, f" (added {', '.join(added)})" if added else "")
    return True


def _reference_schema(initial: ModuleType) -> MetaData:
    """The tables, columns and indexes the first revision makes, reflected from a scratch SQLite."""
    scratch = create_engine("sqlite://")
    try:
        with scratch.begin() as conn:
            with Operations.context(MigrationContext.configure(conn)):
                initial.upgrade()
            reference = MetaData()
            reference.reflect(conn, only=lambda name, _meta: not name.startswith(FTS_PREFIX))
    finally:
        scratch.dispose()
    return reference


def _complete(conn: Connection, reference: MetaData) -> list[str]:
    """Add what the older release would have added at its next start; refuse what it could not have made."""
    inspector = inspect(conn)
    have_tables = set(inspector.get_table_names())
    added: list[str] = []
    problems: list[str] = []
    for table in reference.sorted_tables:
        if table.name not in have_tables:
            table.create(conn)
            added.append(f"table {table.name}")
            continue
        have_columns = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in have_columns:
                continue
            if column.nullable or column.server_default is not None:
                ddl = CreateColumn(column).compile(dialect=conn.dialect)
                conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN {ddl}')
                added.append(f"column {table.name}.{column.name}")
            else:
                problems.append(f"{table.name}.{column.name}")
        have_indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in have_indexes:
                index.create(conn)
                added.append(f"index {index.name}")
    if problems:
        raise UnversionedSchemaError(f"the database lacks columns the first schema revision has and that cannot be "
                                     f"added: {', '.join(problems)}; it was not made by Omoide",
                                     field="DATABASE_URL")
    return added
