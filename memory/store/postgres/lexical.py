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
from typing import Any

from sqlalchemy import BigInteger, Float, Integer, Select, String, bindparam, cast, delete, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.ext.asyncio import AsyncConnection

from memory.store.postgres.filters import filter_clauses
from memory.store.postgres.tables import lexical, memories
from memory.text.tokenize import query_terms
from memory.types import MemoryFilter

MAX_POSITION = 16383  # PostgreSQL's largest lexeme position
MAX_TERMS = 16  # a very long query keeps its first terms (an OR over many terms only adds noise and time)


def _quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(document: str) -> str:
    """A document (space-separated terms, memory.text.tokenize.index_document) as a tsvector literal."""
    positions: dict[str, list[int]] = {}
    for i, term in enumerate(document.split(), 1):
        positions.setdefault(term.lower(), []).append(min(i, MAX_POSITION))
    return " ".join(f"{_quote(term)}:{','.join(map(str, sorted(set(at))))}" for term, at in positions.items())


async def add_documents(conn: AsyncConnection, docs: Sequence[tuple[int, str]]) -> None:
    """(label, document) pairs, in the caller's transaction."""
    if docs:
        await conn.execute(insert(lexical).values(
            label=bindparam("l", type_=Integer), terms=cast(bindparam("t"), TSVECTOR)),
            [{"l": label, "t": tsvector_literal(doc)} for label, doc in docs])


async def remove_documents(conn: AsyncConnection, labels: Sequence[int]) -> None:
    if labels:
        await conn.execute(delete(lexical).where(lexical.c.label.in_(list(labels))))


# BM25 in one statement: per query term its documents (a GIN bitmap scan each: planned per term, which
# the planner does well, where one scan for the OR of the terms went through every row), their count as
# the term's document frequency, each document's length in distinct lexemes; a document scores the sum
# over the terms it holds of idf * (k1 + 1) / (1 + k1 * (1 - b + b * len / avglen)) (term frequency
# taken as 1: reading it means unpacking every matched tsvector, 5x the time). Statistics are over the
# whole table, as FTS5's bm25() over memory_fts is.
K1, B = 1.2, 0.75
_BM25 = f"""
WITH q AS (SELECT unnest(CAST(:terms AS text[])) AS term),
m AS (SELECT q.term, d.label, d.len FROM q CROSS JOIN LATERAL (
        SELECT l.label, length(l.terms) AS len FROM memory_lexical l WHERE l.terms @@ CAST(q.term AS tsquery)) d),
df AS (SELECT term, count(*) AS df FROM m GROUP BY term),
n AS (SELECT greatest(reltuples, (SELECT count(DISTINCT label) FROM m), 1) AS n FROM pg_class
      WHERE oid = 'memory_lexical'::regclass),
avg AS (SELECT greatest(avg(len), 1) AS avglen FROM m)
SELECT m.label, sum(ln(1 + (n.n - df.df + 0.5) / (df.df + 0.5))
                    * {K1 + 1} / (1 + {K1} * (1 - {B} + {B} * m.len / avg.avglen))) AS score
FROM m JOIN df USING (term) CROSS JOIN n CROSS JOIN avg
GROUP BY m.label
"""


def ranked(query: str, f: MemoryFilter, now: datetime, n: int, *columns: Any) -> Select[Any] | None:
    """SELECT of `columns` of the n best lexical matches within the filter, best first (BM25, see _BM25);
    None when the query has no term to look for."""
    terms = list(dict.fromkeys(t.lower() for t in query_terms(query) if t.strip()))[:MAX_TERMS]
    if not terms:
        return None
    scored = (text(_BM25).bindparams(bindparam("terms", [_quote(t) for t in terms], type_=ARRAY(String)))
              .columns(label=BigInteger, score=Float).cte("scored"))
    return (select(*columns).select_from(scored).join(memories, memories.c.label == scored.c.label)
            .where(*filter_clauses(f, now=now))
            .order_by(scored.c.score.desc(), scored.c.label.desc()).limit(n))


async def search(conn: AsyncConnection, query: str, f: MemoryFilter, now: datetime, n: int) -> list[int]:
    """Labels of the best lexical matches within the filter, best first."""
    stmt = ranked(query, f, now, n, memories.c.label)
    return [] if stmt is None else [int(label) for label in (await conn.execute(stmt)).scalars()]
