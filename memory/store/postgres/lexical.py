"""Lexical search in PostgreSQL over our own Japanese-aware terms (memory.text.tokenize), the same
terms SQLite's FTS5 table gets.

PostgreSQL's text parser would split and normalise Japanese its own way (it cannot segment it), so the
terms are not parsed again: each document is written as a tsvector literal, lexeme by lexeme with its
positions (`'東京':1,4 'cat':2`: term frequency and proximity stay for ranking), lower-cased as FTS5's
unicode61 tokenizer folds case, with no stemming ('simple' semantics). Queries are tsquery literals of
the query's terms OR-ed, ranked by BM25 (below) with statistics kept in the database: no process keeps
lexical state another needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    Integer,
    Row,
    Select,
    String,
    Subquery,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY, TSVECTOR
from sqlalchemy.ext.asyncio import AsyncConnection

from memory.search import narrows_cube
from memory.store.base import MemoryRecord
from memory.store.postgres.filters import clauses_of, filter_values
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


async def add_documents(conn: AsyncConnection, docs: Sequence[tuple[MemoryRecord, str]]) -> None:
    """(record, document) pairs, in the caller's transaction: each record's label and scope."""
    if docs:
        await conn.execute(insert(lexical).values(
            label=bindparam("l", type_=BigInteger), terms=cast(bindparam("t"), TSVECTOR),
            tenant=bindparam("tenant"), cube=bindparam("cube"), user_id=bindparam("user")),
            [{"l": r.label, "t": tsvector_literal(doc), "tenant": r.tenant, "cube": r.cube, "user": r.user_id}
             for r, doc in docs])


async def remove_documents(conn: AsyncConnection, labels: Sequence[int]) -> None:
    if labels:
        await conn.execute(delete(lexical).where(lexical.c.label.in_(list(labels))))


# BM25 over the query's terms (any of them), with the statistics kept by triggers beside memory_lexical
# (migration 0004_pg_search: documents per term, documents and lexemes in all), so no search counts them.
# A document scores the sum over the query terms it holds of idf * (k1 + 1) / (1 + k1 * (1 - b + b *
# len / avglen)), len its distinct lexemes (term frequency taken as 1: reading it means unpacking every
# tsvector) and idf = ln((N - df + 0.5) / (df + 0.5)), at least MIN_IDF, as SQLite's postings and FTS5's
# bm25() have it (a word in most documents counts for almost nothing). Statistics are over the whole
# table, as FTS5's bm25() over memory_fts is.
#
# Scoring every document that holds any term costs a row read each (a common word in a large table:
# tens of thousands, ~50 ms), so a whole-cube search reads the documents of its rarest terms first
# (up to ESSENTIAL_POSTINGS, MaxScore's "essential" terms), scored on every term: the other terms can add
# at most their idf * (k1 + 1) / (1 + k1 * (1 - b + b / avglen)) to a document holding none of the rare
# ones, and when the n-th best score beats that bound the top n is exact. When it does not, every
# matching document is scored if there are at most ALL_POSTINGS of them; beyond that the top n of the
# documents holding a rare term is returned (a document holding only common terms is left out: the
# price of a bounded search in a very large cube). Narrower filters score the documents of the filter's
# scope that hold any term, exactly: one user's from the lexical rows' own scope index, others' (a session,
# a tag) by the labels the filter selects in memories.
K1, B = 1.2, 0.75
MIN_IDF = 1e-6  # memory.index.postings' floor for a term in half the documents or more
ESSENTIAL_POSTINGS = 4096  # documents the rare terms may bring before the common ones are left to the bound
ALL_POSTINGS = 8192  # when the bound cannot prove the top n, score every matching document up to this many


@dataclass(frozen=True, slots=True)
class Weights:
    """The query's terms that occur anywhere, rarest first, with their document frequencies and idf."""

    terms: list[str]
    df: list[int]
    idf: list[float]
    avglen: float


async def weights(conn: AsyncConnection, terms: list[str]) -> Weights:
    """Document frequencies and totals for `terms` (one small read of the statistics tables)."""
    rows = (await conn.execute(_STATS, {"terms": terms})).all()
    totals = next((r for r in rows if r.term is None), None)
    n = max(float(totals.df), 1.0) if totals is not None and totals.df is not None else 1.0
    lexemes = float(totals.lexemes) if totals is not None and totals.lexemes is not None else 0.0
    found = sorted((int(r.df), r.term) for r in rows if r.term is not None and r.df > 0)
    return Weights([t for _, t in found], [df for df, _ in found],
                   [max(math.log((n - df + 0.5) / (df + 0.5)), MIN_IDF) for df, _ in found], max(lexemes / n, 1.0))


_STATS = text("""
SELECT term, sum(df) AS df, NULL::numeric AS lexemes FROM memory_lexical_terms
WHERE term = ANY(CAST(:terms AS text[])) GROUP BY term
UNION ALL SELECT NULL, sum(docs), sum(lexemes) FROM memory_lexical_totals
""").bindparams(bindparam("terms", type_=ARRAY(String))).columns(term=String, df=BigInteger, lexemes=BigInteger)


def _tsquery(name: str) -> ColumnElement[Any]:
    """A tsquery parameter sent as one (`$n::TSQUERY`), not as text cast in the statement: asyncpg's
    prepared statements run on PostgreSQL's generic plan after a few searches, where a cast of a parameter
    is evaluated again for every row (a query of 14 terms over 2,500 documents: 35,000 tsquery parses,
    server time 7.1 -> 3.4 ms)."""
    return bindparam(name, type_=TSQUERY)


def _score(terms_held: int, terms: ColumnElement[Any]) -> ColumnElement[Any]:
    """BM25 of a document (its tsvector) for the query: the idf of the terms it holds, times its length's
    weight. Parameters: `t{i}` each term's tsquery, `idf{i}` its idf, `avglen` (_values)."""
    held: ColumnElement[Any] = literal(0.0)
    for i in range(terms_held):
        held = held + case((terms.op("@@")(_tsquery(f"t{i}")), bindparam(f"idf{i}", type_=Float)),
                           else_=literal(0.0))
    length = cast(func.length(terms), Float)
    return (held * (K1 + 1) / (1 + K1 * (1 - B + B * length / bindparam("avglen", type_=Float)))).label("score")


def _values(w: Weights, k: int, f: MemoryFilter, now: datetime, n: int) -> dict[str, Any]:
    """The parameters of _rare_first / _in_scope: the filter's, `any` (a tsquery of the k rarest terms), n."""
    out: dict[str, Any] = {**filter_values(f, now=now), "any": " | ".join(_quote(t) for t in w.terms[:k]),
                           "avglen": w.avglen, "n": n}
    for i, (term, idf) in enumerate(zip(w.terms, w.idf, strict=True)):
        out[f"t{i}"], out[f"idf{i}"] = _quote(term), idf
    return out


def _essential(w: Weights, budget: int) -> int:
    """How many of the rarest terms to read documents for: while their documents stay under `budget`."""
    k, seen = 0, 0
    while k < len(w.terms) and seen + w.df[k] <= budget:
        seen += w.df[k]
        k += 1
    return k


# statements built once per (query, term count, filter shape, columns) and run with _values: building and
# cache-keying them per search cost milliseconds of client CPU
_STATEMENTS: dict[tuple[Any, ...], Select[Any]] = {}


def _cached(key: tuple[Any, ...], build: Callable[[], Select[Any]]) -> Select[Any]:
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        stmt = _STATEMENTS[key] = build()
    return stmt


def _best_passing(scored: Subquery, shape: Sequence[str], columns: Sequence[Any]) -> Select[Any]:
    """The n best of `scored` (label, score) that pass the filter, read from memories in score order until
    n pass (a nested loop that stops early)."""
    row = (select(*columns).where(memories.c.label == scored.c.label, *clauses_of(dict.fromkeys(shape)))
           .offset(0).lateral("row"))
    return (select(row, scored.c.score).select_from(scored.join(row, true()))
            .order_by(scored.c.score.desc(), scored.c.label.desc()).limit(bindparam("n", type_=Integer)))


def _rare_first(terms_held: int, shape: Sequence[str], columns: Sequence[Any]) -> Select[Any]:
    """The n best of the documents holding one of the k rarest terms (`any`), scored on every term."""
    scored = (select(lexical.c.label, _score(terms_held, lexical.c.terms))
              .where(lexical.c.terms.op("@@")(_tsquery("any")))
              .order_by(text("score DESC"), lexical.c.label.desc()).subquery("scored"))
    return _best_passing(scored, shape, columns)


def _user_docs(terms_held: int, shape: Sequence[str], columns: Sequence[Any]) -> Select[Any]:
    """The n best documents of one user of a cube (parameters `f_tenant`, `f_cube`, `f_user_id`) that hold
    any term and pass the filter: the user's lexical rows from one range of their scope index, each checked
    for the terms (OFFSET 0 keeps the check out of the scan: PostgreSQL would otherwise AND the GIN
    index's matches for every term in the table, 29k documents for a common word, with the user's 2,500)."""
    scope = lexical.c
    docs = (select(scope.label, scope.terms)
            .where(scope.tenant == bindparam("f_tenant", type_=String), scope.cube == bindparam("f_cube", type_=String),
                   scope.user_id == bindparam("f_user_id", type_=String))
            .offset(0).subquery("docs"))
    scored = (select(docs.c.label, _score(terms_held, docs.c.terms)).where(docs.c.terms.op("@@")(_tsquery("any")))
              .order_by(text("score DESC"), docs.c.label.desc()).subquery("scored"))
    return _best_passing(scored, shape, columns)


def _in_scope(terms_held: int, shape: Sequence[str], columns: Sequence[Any]) -> Select[Any]:
    """The n best documents of the filter's scope that hold any term (`any`), best first: the scope's
    labels from memories (a session, a tag: what the lexical rows' own scope does not cover), each one's
    terms by primary key."""
    scope = (select(memories.c.label).where(*clauses_of(dict.fromkeys(shape)))
             .cte("scope").prefix_with("MATERIALIZED"))
    doc = select(lexical.c.label, lexical.c.terms).where(lexical.c.label == scope.c.label).offset(0).lateral("doc")
    scored = (select(doc.c.label, _score(terms_held, doc.c.terms)).select_from(scope.join(doc, true()))
              .where(doc.c.terms.op("@@")(_tsquery("any")))
              .order_by(text("score DESC"), doc.c.label.desc()).limit(bindparam("n", type_=Integer))
              .subquery("scored"))
    return (select(*columns, scored.c.score).select_from(scored.join(memories, memories.c.label == scored.c.label))
            .order_by(scored.c.score.desc(), scored.c.label.desc()))


async def _run(conn: AsyncConnection, build: Callable[[int, Sequence[str], Sequence[Any]], Select[Any]],
               w: Weights, k: int, f: MemoryFilter, now: datetime, n: int, columns: Sequence[Any]) -> list[Row[Any]]:
    values = _values(w, k, f, now, n)
    shape = tuple(name for name in values if name.startswith("f_"))
    key = (build.__name__, len(w.terms), shape, tuple(c.name for c in columns))
    stmt = _cached(key, lambda: build(len(w.terms), shape, columns))
    return list(await conn.execute(stmt, values))


def terms_of(query: str) -> list[str]:
    """The query's lexical terms as stored (lower-cased), each once, the first MAX_TERMS."""
    return list(dict.fromkeys(t.lower() for t in query_terms(query) if t.strip()))[:MAX_TERMS]


async def query_weights(conn: AsyncConnection, query: str) -> Weights | None:
    """The query's terms with their statistics; None when none of them occurs anywhere."""
    terms = terms_of(query)
    w = await weights(conn, terms) if terms else None
    return w if w is not None and w.terms else None


async def best(conn: AsyncConnection, w: Weights | None, f: MemoryFilter, now: datetime, n: int, *columns: Any
               ) -> list[Row[Any]]:
    """Rows of `columns` (and `score`) of the n best lexical matches of the weighed query (query_weights)
    within the filter, best first."""
    if w is None:
        return []
    if not narrows_cube(f):
        k = max(_essential(w, ESSENTIAL_POSTINGS), 1)
        rows = await _run(conn, _rare_first, w, k, f, now, n, columns)
        gain = (K1 + 1) / (1 + K1 * (1 - B + B / w.avglen))  # a term's largest weight per idf (len >= 1)
        if k == len(w.terms) or (len(rows) == n and float(rows[-1].score) > sum(w.idf[k:]) * gain):
            return rows  # exact: no document without a rare term can reach the top n
        if sum(w.df) <= ALL_POSTINGS:
            return await _run(conn, _rare_first, w, len(w.terms), f, now, n, columns)
        if len(rows) == n:
            return rows  # too many documents to score them all: the best of those with a rare term
    one_user = f.tenant is not None and f.cube is not None and f.user_id is not None
    return await _run(conn, _user_docs if one_user else _in_scope, w, len(w.terms), f, now, n, columns)


async def search(conn: AsyncConnection, query: str, f: MemoryFilter, now: datetime, n: int) -> list[int]:
    """Labels of the best lexical matches within the filter, best first."""
    return [int(r.label) for r in await best(conn, await query_weights(conn, query), f, now, n, memories.c.label)]
