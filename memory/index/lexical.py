"""The lexical side: an FTS5 table of Japanese-aware terms, kept in the same transaction as the rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, column, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession

from memory.db.models import MemoryRow
from memory.store import filter_clauses
from memory.text.tokenize import fts_match_expression, index_document, query_terms
from memory.types import MemoryFilter

fts = table("memory_fts", column("rowid", Integer), column("terms"))


async def add_documents(session: AsyncSession, docs: list[tuple[int, str]]) -> None:
    """Index (label, text) pairs; call inside the write transaction that adds the rows."""
    if docs:
        await session.execute(text("INSERT INTO memory_fts(rowid, terms) VALUES (:rowid, :terms)"),
                              [{"rowid": label, "terms": index_document(body)} for label, body in docs])


async def remove_documents(session: AsyncSession, labels: list[int]) -> None:
    if labels:
        await session.execute(text("DELETE FROM memory_fts WHERE rowid = :rowid"), [{"rowid": x} for x in labels])


async def search(session: AsyncSession, query: str, f: MemoryFilter, now: datetime, limit: int) -> list[int]:
    """Labels of the best lexical matches within the filter, best first (BM25)."""
    expr = fts_match_expression(query_terms(query))
    if expr is None:
        return []
    stmt = (
        select(MemoryRow.label)
        .join(fts, fts.c.rowid == MemoryRow.label)
        .where(text("memory_fts MATCH :q").bindparams(q=expr), *filter_clauses(f, now=now))
        .order_by(text("bm25(memory_fts)"))
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())
