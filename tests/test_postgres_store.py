"""PostgresStore on a real PostgreSQL 18 + pgvector (the `pg_url` fixture): writes, reads, filters,
filtered nearest neighbours, Japanese lexical search, and the errors a deployment can hit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy.engine import make_url

from memory.store.base import HistoryEntry, MemoryChange, MemoryRecord, NewMemory, WriteBatch
from memory.store.candidates import CandidateQuery
from memory.store.postgres import PostgresStore, StoreUnavailableError
from memory.text.tokenize import index_document
from memory.types import MemoryFilter
from tests.pg_schema import STORE_DIM, connect

DIM = STORE_DIM
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
RNG = np.random.default_rng(7)


def unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def record(content: str, *, user: str | None = "u1", cube: str = "c", tenant: str = "t", **over: object
           ) -> MemoryRecord:
    values: dict[str, object] = dict(
        id=str(uuid.uuid4()), label=0, tenant=tenant, cube=cube, user_id=user, session_id=None, kind="content",
        content=content, user_message=None, ai_message=None, content_type="text", tier="long_term", tags=[],
        meta={}, importance=0.5, emotions=[], summary="", created_at=NOW, updated_at=NOW, expires_at=None,
        last_accessed_at=None, access_count=0, reinforce_count=0, embedding_model="test", embedding_dim=DIM)
    values.update(over)
    return MemoryRecord(**values)  # type: ignore[arg-type]


def new(rec: MemoryRecord, vec: np.ndarray | None = None) -> NewMemory:
    return NewMemory(rec, unit(RNG.normal(size=DIM)) if vec is None else vec, index_document(rec.content))


def added(rec: MemoryRecord) -> HistoryEntry:
    return HistoryEntry(rec.id, rec.tenant, rec.cube, rec.user_id, "add", "test", NOW, {})


async def save(store: PostgresStore, *recs: MemoryRecord, vecs: np.ndarray | None = None) -> list[MemoryRecord]:
    items = [new(r, None if vecs is None else vecs[i]) for i, r in enumerate(recs)]
    async with store.writing():
        await store.write(WriteBatch(new=items, history=[added(r) for r in recs], now=NOW))
    return list(recs)


async def test_write_then_read_back_records_rows_vectors_and_history(store: PostgresStore) -> None:
    vecs = unit(RNG.normal(size=(3, DIM)))
    a, b, c = await save(store, record("one", tags=["x"], meta={"k": 1}), record("two"), record("three"), vecs=vecs)
    assert len({a.label, b.label, c.label}) == 3 and min(a.label, b.label, c.label) > 0
    got = await store.get(a.id)
    assert got is not None and got.content == "one" and got.tags == ["x"] and got.meta == {"k": 1}
    assert got.created_at == NOW and got.label == a.label
    recs = await store.records(after_label=0, limit=10, with_vectors=True)
    assert [r.id for r in recs] == [a.id, b.id, c.id]
    stored = [np.frombuffer(r.embedding or b"", dtype=np.float32) for r in recs]
    assert all(np.allclose(got, want) for got, want in zip(stored, vecs, strict=True))
    rows = await store.rows([a.label, c.label], MemoryFilter(tenant="t"), NOW)
    assert {r.id for r in rows} == {a.id, c.id}
    page, total = await store.page(MemoryFilter(tenant="t", cube="c"), NOW, limit=2, offset=0)
    assert total == 3 and len(page) == 2
    assert [h.action for h in await store.history(a.id)] == ["add"]
    assert await store.cubes() == [("t", "c")] and store.generation("t", "c") == 1
    assert await store.has_memories()


async def test_a_failed_batch_keeps_nothing(store: PostgresStore) -> None:
    (kept,) = await save(store, record("already here"))
    twin = record("new text 東京", id=kept.id)  # same id: the insert fails inside the transaction
    with pytest.raises(Exception, match="duplicate key"):
        await save(store, record("first of the batch 東京"), twin)
    assert [r.content for r in await store.records(after_label=0, limit=10)] == ["already here"]
    assert await store.lexical(MemoryFilter(tenant="t"), "東京", 10, NOW) == []
    assert store.generation("t", "c") == 1


async def test_update_replaces_vector_label_and_terms(store: PostgresStore) -> None:
    (rec,) = await save(store, record("猫が好きです"))
    old_label = rec.label
    rec.content, rec.tags, rec.updated_at = "犬が好きです", ["pets"], NOW + timedelta(hours=1)
    vec = unit(RNG.normal(size=DIM))
    change = MemoryChange(rec, HistoryEntry(rec.id, "t", "c", "u1", "update", None, NOW, {"content": "re-embedded"}),
                          vector=vec, terms=index_document(rec.content))
    async with store.writing():
        await store.update(change)
    assert rec.label != old_label
    got = await store.get(rec.id)
    assert got is not None and got.content == "犬が好きです" and got.tags == ["pets"] and got.label == rec.label
    f = MemoryFilter(tenant="t", cube="c")
    assert await store.lexical(f, "犬", 5, NOW) == [rec.label]
    assert await store.lexical(f, "猫", 5, NOW) == []
    [[(label, cos)]] = await store.nearest(f, vec[None, :], 1, NOW)
    assert label == rec.label and cos == pytest.approx(1.0, abs=1e-5)
    assert [h.action for h in await store.history(rec.id)] == ["add", "update"]


async def test_delete_removes_rows_terms_and_vectors_and_keeps_history(store: PostgresStore) -> None:
    a, b = await save(store, record("東京タワー", user="u1"), record("東京駅", user="u2"))
    async with store.writing():
        ids = await store.delete(MemoryFilter(user_id="u1"), now=None, actor="test", at=NOW)
    assert ids == [a.id]
    f = MemoryFilter(tenant="t", cube="c")
    assert await store.lexical(f, "東京", 10, NOW) == [b.label]
    assert [x for x, _ in (await store.nearest(f, np.zeros((1, DIM), np.float32) + 0.1, 10, NOW))[0]] == [b.label]
    assert await store.get(a.id) is None
    assert [h.action for h in await store.history(a.id)] == ["add", "delete"]


async def _fetchval(pg_url: str, sql: str, *args: object) -> object:
    """One value read straight from the test database (what the store does not show)."""
    conn = await connect(pg_url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def _row_version(pg_url: str, memory_id: str) -> object:
    """(xmin, ctid) of a memory's row: both change whenever PostgreSQL writes a new version of it."""
    return await _fetchval(pg_url, "SELECT (xmin::text, ctid::text)::text FROM memories WHERE id = $1", memory_id)


async def test_recall_bookkeeping_counts_every_hit_without_writing_the_memorys_row(
        store: PostgresStore, pg_url: str) -> None:
    """A search hit's last access and count go to memory_access (migration 0008): the memory's ~2 KB row is
    not written again, so no new version of it enters the HNSW graph and the other indexes per recall."""
    a, b = await save(store, record("東京タワー"), record("東京駅"))
    version = await _row_version(pg_url, a.id)
    later = NOW + timedelta(minutes=5)
    await store.record_access({a.id: (NOW, 2)})
    await store.record_access({a.id: (later, 1), b.id: (NOW, 1)})
    await store.record_access({a.id: (NOW, 1)})  # another process's flush of older hits keeps the latest time
    got = await store.get(a.id)
    assert got is not None and got.access_count == 4 and got.last_accessed_at == later
    page, _ = await store.page(MemoryFilter(tenant="t", cube="c"), NOW, 10, 0)
    assert {r.id: (r.access_count, r.last_accessed_at) for r in page} == {a.id: (4, later), b.id: (1, NOW)}
    assert [r.id for r in await store.importance_rows(1.0, NOW)] == [a.id]  # recalled after NOW: only a
    assert await _row_version(pg_url, a.id) == version
    async with store.writing():
        await store.delete(MemoryFilter(tenant="t", cube="c"), now=None, actor="test", at=NOW)
    await store.record_access({a.id: (later, 1)})  # a flush after the delete: nothing comes back
    assert await store.get(a.id) is None
    assert await _fetchval(pg_url, "SELECT count(*) FROM memory_access") == 0


async def test_lexical_finds_a_two_character_japanese_word(store: PostgresStore) -> None:
    hit, _other = await save(store, record("昨日は東京で友達とラーメンを食べた"), record("大阪の天気は晴れ"))
    assert await store.lexical(MemoryFilter(tenant="t", cube="c"), "東京", 10, NOW) == [hit.label]
    assert await store.lexical(MemoryFilter(tenant="t", cube="c"), "ラーメン食べたい", 10, NOW) == [hit.label]
    assert await store.lexical(MemoryFilter(tenant="t", cube="c"), "の は", 10, NOW) == []  # function words only


async def test_filtered_nearest_in_a_narrow_scope_returns_the_scopes_own_top_k(store: PostgresStore) -> None:
    """2,000 memories in one cube, 25 of them one user's: the user's top 10 are exactly right (the
    iterative HNSW scan or an exact scan, whichever the planner picks), and the whole cube's agree with
    an exact search."""
    n = 2000
    vecs = unit(RNG.normal(size=(n, DIM)))
    users = ["solo" if i % 80 == 0 else f"crowd{i % 7}" for i in range(n)]
    recs = [record(f"memory {i}", user=users[i]) for i in range(n)]
    for start in range(0, n, 500):
        await save(store, *recs[start:start + 500], vecs=vecs[start:start + 500])
    async with store.db.begin() as conn:  # the planner needs statistics to weigh the HNSW index
        await conn.exec_driver_sql("ANALYZE memories")
    query = unit(RNG.normal(size=(1, DIM)))
    label_of = np.array([r.label for r in recs])

    def exact(mask: np.ndarray, k: int) -> list[int]:
        sims = (vecs @ query[0]).astype(np.float64)
        sims[~mask] = -np.inf
        return [int(label_of[i]) for i in np.argsort(-sims)[:k]]

    solo = np.array([u == "solo" for u in users])
    got = (await store.nearest(MemoryFilter(tenant="t", cube="c", user_id="solo"), query, 10, NOW))[0]
    assert [x for x, _ in got] == exact(solo, 10)
    whole = (await store.nearest(MemoryFilter(tenant="t", cube="c"), query, 10, NOW))[0]
    assert len(set(x for x, _ in whole) & set(exact(np.ones(n, bool), 10))) >= 9  # approximate: recall >= 0.9

    async def embed() -> np.ndarray:
        return query[0]
    found = await store.candidates(CandidateQuery(MemoryFilter(tenant="t", cube="c", user_id="solo"), "memory",
                                                  embed, 10, NOW, with_vectors=True))
    dense = sorted((c for c in found.candidates.values() if c.dense_rank), key=lambda c: c.dense_rank or 0)
    assert [c.label for c in dense] == exact(solo, 10)
    assert {r.user_id for r in found.rows} == {"solo"} and set(found.vectors) == set(found.candidates)


async def test_every_filter_field_selects_what_it_says(store: PostgresStore) -> None:
    later = NOW + timedelta(days=2)
    recs = await save(
        store,
        r0 := record("a", user="u1", session_id="s1", tags=["red", "blue"], emotions=[["joy", 0.9]], importance=0.9),
        r1 := record("b", user="u2", kind="turn", tier="short_term", tags=["red"], emotions=[["sadness", 0.5]],
                     content_type="code", created_at=later),
        r2 := record("c", user=None, cube="other", tier="working", importance=0.1,
                     expires_at=NOW - timedelta(seconds=1)),
        r3 := record("d", user="u1", tenant="t2", emotions=[["anger", 0.4], ["joy", 0.2]]),
    )
    cases: list[tuple[MemoryFilter, list[MemoryRecord]]] = [
        (MemoryFilter(tenant="t"), [r0, r1]),
        (MemoryFilter(cube="other"), []),  # expired
        (MemoryFilter(user_id="u1"), [r0, r3]),
        (MemoryFilter(session_id="s1"), [r0]),
        (MemoryFilter(kind="turn"), [r1]),
        (MemoryFilter(tiers=["short_term", "working"]), [r1]),
        (MemoryFilter(tags=["red"]), [r0, r1]),
        (MemoryFilter(tags=["red", "blue"]), [r0]),
        (MemoryFilter(content_type="code"), [r1]),
        (MemoryFilter(emotions=["joy"]), [r0, r3]),
        (MemoryFilter(emotions=["sadness", "anger"]), [r1, r3]),
        (MemoryFilter(created_after=NOW + timedelta(days=1)), [r1]),
        (MemoryFilter(created_before=NOW), [r0, r3]),
        (MemoryFilter(min_importance=0.8), [r0]),
        (MemoryFilter(ids=[r1.id, r3.id]), [r1, r3]),
    ]
    for f, want in cases:
        rows, total = await store.page(f, NOW, 50, 0)
        assert sorted(r.id for r in rows) == sorted(r.id for r in want), f
        assert total == len(want)
    # expired memories are still selected for deletion when no `now` is given
    async with store.writing():
        assert await store.delete(MemoryFilter(cube="other"), now=None, actor=None, at=NOW) == [r2.id]
    assert len(recs) == 4


async def test_searches_of_one_filter_shape_each_find_their_own_scope(store: PostgresStore) -> None:
    """Search statements are built once per filter shape and run with each search's values: filters of
    the same shape one after another (another user, another tag list, more emotions, other ids) each
    get their own memories, on both the dense and the lexical side."""
    recs = await save(
        store,
        r0 := record("apple pie", user="u1", tags=["red", "blue"], emotions=[["joy", 0.9]]),
        r1 := record("apple tart", user="u2", tags=["red"], emotions=[["sadness", 0.5]], tier="short_term"),
        r2 := record("apple jam", user="u3", tags=["blue"], emotions=[["anger", 0.4]], tier="working"),
    )
    cases: list[tuple[MemoryFilter, list[MemoryRecord]]] = [
        (MemoryFilter(tenant="t", user_id="u1"), [r0]),
        (MemoryFilter(tenant="t", user_id="u2"), [r1]),
        (MemoryFilter(tags=["red"]), [r0, r1]),
        (MemoryFilter(tags=["blue"]), [r0, r2]),
        (MemoryFilter(tags=["red", "blue"]), [r0]),
        (MemoryFilter(emotions=["joy"]), [r0]),
        (MemoryFilter(emotions=["sadness", "anger"]), [r1, r2]),
        (MemoryFilter(tiers=["long_term"]), [r0]),
        (MemoryFilter(tiers=["short_term", "working"]), [r1, r2]),
        (MemoryFilter(ids=[r2.id]), [r2]),
        (MemoryFilter(ids=[r0.id, r1.id]), [r0, r1]),
    ]
    query = unit(RNG.normal(size=DIM))

    async def embed() -> np.ndarray:
        return query
    for f, want in cases:
        found = await store.candidates(CandidateQuery(f, "apple", embed, 10, NOW))
        dense = {c.label for c in found.candidates.values() if c.dense_rank}
        lexical = {c.label for c in found.candidates.values() if c.lexical_rank}
        assert dense == lexical == {r.label for r in want}, f
        assert sorted(r.id for r in found.rows) == sorted(r.id for r in want), f
    assert len(recs) == 3


async def test_searches_see_writes_and_deletes_after_a_scope_size_was_remembered(store: PostgresStore,
                                                                                pg_url: str) -> None:
    """A search remembers whether its scope is small (searched exactly) or large (through the graph)
    for a while instead of counting it each time: memories another process adds to or deletes from a
    remembered scope, and this process's own, still show in the next search, exactly ranked."""
    store.exact_max = 3
    other = await PostgresStore.open(pg_url, dim=DIM, model_id="test")
    query = unit(RNG.normal(size=DIM))
    vecs: dict[int, np.ndarray] = {}

    async def embed() -> np.ndarray:
        return query

    async def add(into: PostgresStore, count: int) -> None:
        v = unit(RNG.normal(size=(count, DIM)))
        for rec, vec in zip(await save(into, *(record("note") for _ in range(count)), vecs=v), v, strict=True):
            vecs[rec.label] = vec

    async def check(f: MemoryFilter, n: int = 10) -> None:
        found = await store.candidates(CandidateQuery(f, "note", embed, n, NOW))
        dense = sorted((c for c in found.candidates.values() if c.dense_rank), key=lambda c: c.dense_rank or 0)
        want = sorted(vecs, key=lambda label: -float(vecs[label] @ query))[:n]
        assert [c.label for c in dense] == want
        assert {r.label for r in found.rows} == set(want)
    user, whole = MemoryFilter(tenant="t", cube="c", user_id="u1"), MemoryFilter(tenant="t", cube="c")
    try:
        await add(store, 2)
        await check(user)  # small: remembered as such
        await add(other, 6)  # another process: this one is not told
        await check(user)
        await check(whole)  # large
        await check(whole, n=60)  # a longer candidate list on the connection, and back
        async with other.writing():
            await other.delete(MemoryFilter(ids=[str(r.id) for r in await other.records(
                after_label=0, limit=5)]), now=None, actor="test", at=NOW)
        vecs = {r.label: vecs[r.label] for r in await store.records(after_label=0, limit=10)}
        await check(whole)
        await add(store, 4)
        async with store.writing():
            await store.delete(MemoryFilter(ids=[str(r.id) for r in await store.records(after_label=0, limit=4)]),
                               now=None, actor="test", at=NOW)
        vecs = {r.label: vecs[r.label] for r in await store.records(after_label=0, limit=10)}
        await check(user)
        await check(whole)
        assert [x for x, _ in (await store.nearest(whole, query[None, :], 10, NOW))[0]] == sorted(
            vecs, key=lambda label: -float(vecs[label] @ query))
    finally:
        await other.close()


async def test_stats_and_emotions_per_day(store: PostgresStore) -> None:
    await save(store, record("a", emotions=[["joy", 0.9]]), record("b", user="u2", emotions=[["joy", 0.3],
                                                                                            ["fear", 0.2]]))
    stats = await store.cube_stats("t", "c", NOW)
    assert stats.total == 2 and stats.users == 2 and stats.top_emotions == [("joy", 2), ("fear", 1)]
    assert stats.by_tier == {"long_term": 2}
    day = NOW.date()
    assert await store.emotion_rows("t", "c", NOW, None) == [(day, "fear", 1), (day, "joy", 2)]
    assert await store.emotion_rows("t", "c", NOW, "u2") == [(day, "fear", 1), (day, "joy", 1)]


async def test_reads_survive_a_dropped_connection(store: PostgresStore, pg_url: str) -> None:
    (rec,) = await save(store, record("still here"))
    assert await store.get(rec.id) is not None  # both pools hold a connection now
    admin = await connect(pg_url)
    try:  # what a server restart or a failover does to every open connection
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    finally:
        await admin.close()
    got = await store.get(rec.id)
    assert got is not None and got.content == "still here"
    (later,) = await save(store, record("written after the restart"))  # the write pool's connection died too
    assert (await store.get(later.id)) is not None


async def test_postgres_down_or_bad_url_says_what_to_fix(pg_url: str) -> None:
    closed = make_url(pg_url).set(port=1)
    with pytest.raises(StoreUnavailableError, match=r"DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:1/"):
        await PostgresStore.open(closed.render_as_string(hide_password=False), dim=DIM, model_id="test")
    with pytest.raises(StoreUnavailableError, match="postgresql\\+asyncpg://"):
        await PostgresStore.open(pg_url.replace("+asyncpg", "+psycopg"), dim=DIM, model_id="test")
    with pytest.raises(StoreUnavailableError, match="does not exist"):
        await PostgresStore.open(make_url(pg_url).set(database="nope").render_as_string(False), dim=DIM,
                                 model_id="test")
    store = await PostgresStore.open(pg_url, dim=DIM, model_id="test")  # an empty database: every start migrates
    try:
        assert not await store.has_memories() and await store.cubes() == []
    finally:
        await store.close()
