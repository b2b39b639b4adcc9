"""The lexical side: an FTS5 table of Japanese-aware terms, kept in the same transaction as the rows.

Each document also carries scope tokens (hashes of tenant, cube and user) in a second column, so a
scoped search is answered by FTS5 alone (`scope : "c…" AND terms : (…)`, ordered by rank with a
limit) instead of joining every match to the memories table: at 100k memories in one cube the join
costs tens of milliseconds, the FTS-only query about one. Other filters are applied afterwards to
the few candidates, with a join as the fallback when they are too narrow. A long query keeps only its
MAX_TERMS most selective terms (fts5vocab document counts).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from memory.db.fastread import FastReader
from memory.db.fastwrite import Statements
from memory.index.postings import DocRow
from memory.store.sqlite.filters import compile_filter
from memory.text.tokenize import fts_match_expression, query_terms
from memory.types import MemoryFilter

OVERFETCH = 4
MAX_TERMS = 8  # a long query keeps its most selective terms: an OR over many common terms is slow


async def _selective(reader: FastReader, terms: list[str]) -> list[str]:
    """The MAX_TERMS terms found in the fewest documents (BM25 weighs those most anyway)."""
    if len(terms) <= MAX_TERMS:
        return terms
    names = ", ".join("?" * len(terms))
    df: dict[str, int] = {t: int(n) for t, n in await reader.fetch(
        f"SELECT term, doc FROM memory_fts_vocab WHERE term IN ({names})", terms)}
    present = [t for t in terms if df.get(t)]
    return sorted(present, key=lambda t: df[t])[:MAX_TERMS]


def _token(kind: str, *parts: str | None) -> str:
    return kind + hashlib.blake2b("\x00".join(p or "" for p in parts).encode(), digest_size=8).hexdigest()


def user_token(tenant: str, cube: str, user_id: str) -> str:
    return _token("u", tenant, cube, user_id)


def scope_tokens(tenant: str, cube: str, user_id: str | None) -> str:
    tokens = [_token("t", tenant), _token("c", tenant, cube)]
    if user_id is not None:
        tokens.append(user_token(tenant, cube, user_id))
    return " ".join(tokens)


def _scope_match(f: MemoryFilter) -> str | None:
    if f.tenant is None:
        return None
    if f.cube is None:
        return f'scope : "{_token("t", f.tenant)}"'
    if f.user_id is None:
        return f'scope : "{_token("c", f.tenant, f.cube)}"'
    return f'scope : "{_token("u", f.tenant, f.cube, f.user_id)}"'


def narrower_than_scope(f: MemoryFilter) -> bool:
    """Filters the scope tokens do not cover (a user without a cube is one of them)."""
    return (f.user_id is not None and f.cube is None) or any(
        v is not None for v in (f.session_id, f.kind, f.tiers, f.tags, f.content_type, f.emotions,
                                 f.created_after, f.created_before, f.min_importance, f.ids))


FTS_INSERT = "INSERT INTO memory_fts(rowid, terms, scope) VALUES (?, ?, ?)"


def add_documents(docs: Sequence[tuple[Any, str]], statements: Statements) -> list[DocRow]:
    """Index (record, terms) pairs, the terms made by `index_document` (a save makes them beside the
    embedding): appended to the write transaction's statements (memory.db.fastwrite). Returns what is
    stored, for the in-memory postings to follow once the transaction commits."""
    stored = [(row.label, terms, scope_tokens(row.tenant, row.cube, row.user_id)) for row, terms in docs]
    if stored:
        statements.append((FTS_INSERT, stored))
    return stored


async def cube_documents(reader: FastReader, tenant: str, cube: str, after: int, limit: int) -> list[DocRow]:
    """One cube's stored documents with labels above `after`, at most `limit`, in label order: the
    in-memory postings are built from them a chunk at a time (memory.index.postings.PostingsBuilder)."""
    rows = await reader.fetch("SELECT rowid, terms, scope FROM memory_fts WHERE memory_fts MATCH ? AND rowid > ? "
                              "ORDER BY rowid LIMIT ?", (f'scope : "{_token("c", tenant, cube)}"', after, limit))
    return [(int(label), terms, scope) for label, terms, scope in rows]


def remove_documents(labels: Sequence[int], statements: Statements) -> None:
    if labels:
        statements.append(("DELETE FROM memory_fts WHERE rowid = ?", [(x,) for x in labels]))


async def search(reader: FastReader, query: str, f: MemoryFilter, now: datetime, limit: int) -> list[int]:
    """Labels of the best lexical matches within the filter, best first (BM25)."""
    expr = fts_match_expression(await _selective(reader, query_terms(query)))
    if expr is None:
        return []
    scope = _scope_match(f)
    match = f"{scope} AND terms : ({expr})" if scope else f"terms : ({expr})"
    fetch = limit * OVERFETCH
    ranked = [r[0] for r in await reader.fetch(
        "SELECT rowid FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rank LIMIT ?", (match, fetch))]
    if not ranked:
        return []
    passing = await reader.passing(ranked, f, now)
    kept = [label for label in ranked if label in passing]
    if len(kept) >= limit or len(ranked) < fetch or not narrower_than_scope(f):
        return kept[:limit]
    where, params = compile_filter(f, now=now)  # narrow filters: let SQLite join, slower but complete
    rows = await reader.fetch(
        "SELECT memories.label FROM memories JOIN memory_fts ON memory_fts.rowid = memories.label "
        f"WHERE memory_fts MATCH :match AND {where} ORDER BY bm25(memory_fts) LIMIT :limit",
        {**params, "match": match, "limit": limit})
    return [r[0] for r in rows]
