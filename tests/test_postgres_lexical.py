"""PostgreSQL lexical search (memory.store.postgres.lexical): the BM25 top n it returns is the one that
scoring every matching document gives, for a whole cube (rarest terms first, MaxScore bound) and for one
user, and the statistics it ranks with follow every save, update and delete."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import text

from memory.store.base import HistoryEntry, MemoryChange
from memory.store.postgres import PostgresStore, lexical
from memory.text.tokenize import index_document, query_terms
from memory.types import MemoryFilter
from tests.test_postgres_store import DIM, NOW, record, save, unit

pytestmark = pytest.mark.both_stores  # PostgreSQL by itself: runs once, in the SQLite run of the suite

WORDS = [f"w{i}" for i in range(40)]


def corpus(rng: np.random.Generator, n: int) -> list[str]:
    """Documents of 3-12 words drawn Zipf-like: a few words in most documents, most words in few."""
    weights = 1.0 / np.arange(1, len(WORDS) + 1)
    weights /= weights.sum()
    return [" ".join(rng.choice(WORDS, size=int(rng.integers(3, 13)), p=weights)) for _ in range(n)]


def bm25(docs: dict[int, str], query: str) -> dict[int, float]:
    """The documented formula, over every document: idf = ln((N - df + 0.5) / (df + 0.5)) (at least
    1e-6), term frequency 1, length = distinct terms, average length over all documents."""
    terms = {label: set(index_document(d).lower().split()) for label, d in docs.items()}
    avglen = sum(len(t) for t in terms.values()) / len(terms)
    wanted = {t.lower() for t in query_terms(query)}
    df = {w: sum(w in t for t in terms.values()) for w in wanted}
    out = {}
    for label, held in terms.items():
        idf = sum(max(math.log((len(docs) - df[w] + 0.5) / (df[w] + 0.5)), 1e-6) for w in wanted & held)
        if idf:
            out[label] = idf * (lexical.K1 + 1) / (1 + lexical.K1 * (1 - lexical.B + lexical.B * len(held) / avglen))
    return out


def assert_top(got: list[int], scores: dict[int, float], n: int) -> None:
    """`got` is a best-first top n of `scores` (ties may come in either order)."""
    best = sorted(scores.values(), reverse=True)[:n]
    assert len(got) == len(best)
    assert [scores[label] for label in got] == pytest.approx(best, rel=1e-9)


async def test_whole_cube_and_one_user_get_the_exact_bm25_top_n(store: PostgresStore,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    texts = corpus(rng, 240)
    recs = await save(store, *[record(t, user=f"u{i % 3}") for i, t in enumerate(texts)])
    # another cube's documents count in the statistics (as FTS5's) but are never returned
    await save(store, *[record(t, cube="other") for t in corpus(rng, 60)])
    docs = {r.label: r.content for r in recs}
    everything = {**docs, **{r.label: r.content for r in await store.records(after_label=0, limit=1000)}}
    # a small budget for the rare terms: the bound decides, and scoring every match takes over when it cannot
    monkeypatch.setattr(lexical, "ESSENTIAL_POSTINGS", 20)
    for _ in range(25):
        query = " ".join(rng.choice(WORDS, size=int(rng.integers(1, 6)), replace=False))
        scores = bm25(everything, query)
        whole = {label: s for label, s in scores.items() if label in docs}
        assert_top(await store.lexical(MemoryFilter(tenant="t", cube="c"), query, 10, NOW), whole, 10)
        user = {r.label for r in recs if r.user_id == "u1"}
        mine = {label: s for label, s in whole.items() if label in user}
        assert_top(await store.lexical(MemoryFilter(tenant="t", cube="c", user_id="u1"), query, 10, NOW), mine, 10)


async def test_one_user_keeps_to_the_rest_of_the_filter(store: PostgresStore) -> None:
    """One user's documents come from the lexical rows' own scope; the filter's other conditions (tags,
    expiry) still hold, and the user's document left out for them is not replaced by another user's."""
    rng = np.random.default_rng(5)
    texts = corpus(rng, 90)
    recs = await save(store, *[record(t, user=f"u{i % 3}", tags=["kept"] if i % 2 else [],
                                      expires_at=NOW - timedelta(days=1) if i % 5 == 0 else None)
                               for i, t in enumerate(texts)])
    everything = {r.label: r.content for r in await store.records(after_label=0, limit=1000)}
    wanted = {r.label for r in recs if r.user_id == "u1" and r.tags == ["kept"] and r.expires_at is None}
    assert 0 < len(wanted) < len(recs) // 3
    for _ in range(10):
        query = " ".join(rng.choice(WORDS, size=int(rng.integers(1, 4)), replace=False))
        mine = {label: s for label, s in bm25(everything, query).items() if label in wanted}
        got = await store.lexical(MemoryFilter(tenant="t", cube="c", user_id="u1", tags=["kept"]), query, 5, NOW)
        assert_top(got, mine, 5)


async def counted(store: PostgresStore) -> tuple[dict[str, int], dict[str, int], tuple[int, int]]:
    """The kept statistics, what counting memory_lexical again gives, and the kept totals."""
    async with store.db.connect() as conn:
        kept = dict((await conn.execute(text(
            "SELECT term, sum(df) FROM memory_lexical_terms GROUP BY term HAVING sum(df) <> 0"))).all())
        recount = dict((await conn.execute(text(
            "SELECT w, count(*) FROM memory_lexical, unnest(tsvector_to_array(terms)) AS w GROUP BY w"))).all())
        totals = (await conn.execute(text("SELECT coalesce(sum(docs), 0), coalesce(sum(lexemes), 0) "
                                          "FROM memory_lexical_totals"))).one()
        real = (await conn.execute(text("SELECT count(*), coalesce(sum(length(terms)), 0) FROM memory_lexical"))).one()
    assert tuple(totals) == tuple(real)
    return kept, recount, tuple(totals)


async def test_statistics_follow_saves_updates_and_deletes(store: PostgresStore) -> None:
    recs = await save(store, *[record(t, user=f"u{i % 2}") for i, t in enumerate(corpus(np.random.default_rng(3), 30))])
    kept, recount, (docs, _) = await counted(store)
    assert kept == recount and docs == 30
    rec = recs[0]
    rec.content, rec.updated_at = "w1 w39 東京", NOW + timedelta(hours=1)
    async with store.writing():
        await store.update(MemoryChange(rec, HistoryEntry(rec.id, "t", "c", "u0", "update", None, NOW, {}),
                                        vector=unit(np.ones(DIM)), terms=index_document(rec.content)))
        await store.delete(MemoryFilter(user_id="u1"), now=None, actor="test", at=NOW)
    kept, recount, (docs, _) = await counted(store)
    assert kept == recount and docs == 15
    assert await store.lexical(MemoryFilter(tenant="t", cube="c"), "東京", 10, NOW) == [rec.label]
