"""Lexical search in PostgreSQL over our own Japanese-aware terms (memory.text.tokenize), the same
terms SQLite's FTS5 table gets.

PostgreSQL's text parser would split and normalise Japanese its own way (it cannot segment it), so the
terms are not parsed again: each document is written as a tsvector literal, lexeme by lexeme with its
positions (`'東京':1,4 'cat':2`: term frequency and proximity stay for ranking), lower-cased as FTS5's
unicode61 tokenizer folds case, with no stemming ('simple' semantics). Queries are tsquery literals of
the query's terms OR-ed, ranked by ts_rank_cd (cover density, scaled down for long documents), all in
the database: no process keeps lexical state another needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Float, Integer, bindparam, cast, delete, func, insert, select
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.ext.asyncio import AsyncConnection

from memory.store.postgres.filters import filter_clauses
from memory.store.postgres.tables import lexical, memories
from memory.text.tokenize import query_terms
from memory.types import MemoryFilter

MAX_POSITION = 16383  # PostgreSQL's largest lexeme position
MAX_TERMS = 16  # a very long query keeps its first terms (an OR over many terms only adds noise and time)
RANK_NORMALIZATION = 1  # ts_rank_cd: divide by 1 + log(document length)


def _quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(document: str) -> str:
    """A document (space-separated terms, memory.text.tokenize.index_document) as a tsvector literal."""
    positions: dict[str, list[int]] = {}
    for i, term in enumerate(document.split(), 1):
        positions.setdefault(term.lower(), []).append(min(i, MAX_POSITION))
    return " ".join(f"{_quote(term)}:{','.join(map(str, sorted(set(at))))}" for term, at in positions.items())


def tsquery_literal(terms: Sequence[str]) -> str | None:
    """Any of the terms (None when there is nothing to search for)."""
    seen = list(dict.fromkeys(t.lower() for t in terms if t.strip()))[:MAX_TERMS]
    return " | ".join(_quote(t) for t in seen) or None


def as_tsvector(document: str) -> object:
    return cast(bindparam(None, tsvector_literal(document)), TSVECTOR)


async def add_documents(conn: AsyncConnection, docs: Sequence[tuple[int, str]]) -> None:
    """(label, document) pairs, in the caller's transaction."""
    if docs:
        await conn.execute(insert(lexical).values(
            label=bindparam("l", type_=Integer), terms=cast(bindparam("t"), TSVECTOR)),
            [{"l": label, "t": tsvector_literal(doc)} for label, doc in docs])


async def remove_documents(conn: AsyncConnection, labels: Sequence[int]) -> None:
    if labels:
        await conn.execute(delete(lexical).where(lexical.c.label.in_(list(labels))))


async def search(conn: AsyncConnection, query: str, f: MemoryFilter, now: datetime, n: int) -> list[int]:
    """Labels of the best lexical matches within the filter, best first."""
    literal = tsquery_literal(query_terms(query))
    if literal is None:
        return []
    tsq = cast(bindparam("q", literal), TSQUERY)
    rank = func.ts_rank_cd(lexical.c.terms, tsq, RANK_NORMALIZATION, type_=Float).label("rank")
    stmt = (select(lexical.c.label)
            .join(memories, memories.c.label == lexical.c.label)
            .where(lexical.c.terms.op("@@")(tsq), *filter_clauses(f, now=now))
            .order_by(rank.desc(), lexical.c.label.desc())
            .limit(n))
    return [int(x) for x in (await conn.execute(stmt)).scalars()]
