"""The retrieval benchmark's HTTP rows (bench.retrieval.http) ask the real app what an engine ingest would be
asked, and our Japanese set is what its README line says it is."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bench.retrieval.data import Conversation, Dataset, Question, Turn, ja_community
from bench.retrieval.http import through_http
from bench.retrieval.run import ask, ingest
from memory.embedding.base import Embedder
from memory.options import EngineOptions
from memory.text.tokenize import tokenize

DAY = datetime(2024, 5, 1, tzinfo=UTC)
TURNS = [Turn("s1:1", "s1", "Aoi", "How was your holiday?", created_at=DAY),
         Turn("s1:2", "s1", "Ren", "Amazing, we spent two weeks in Lisbon!", created_at=DAY),
         Turn("s1:3", "s1", "Aoi", "Did you try the custard tarts?", created_at=DAY),
         Turn("s2:1", "s2", "Ren", "My sister lives in Madrid.", created_at=DAY),
         Turn("s2:2", "s2", "Aoi", "I finally went to the dentist.", created_at=DAY),
         Turn("s2:3", "s2", "Ren", "We spent the weekend painting the kitchen.", created_at=DAY)]
QUESTIONS = [Question("q1", "Where did Ren go on holiday?", "fact", {"s1"}, {"s1:2"}),
             Question("q2", "Which room got a new colour?", "fact", {"s2"}, {"s2:3"})]


def ranked_ids(outcomes: list) -> list[list[str]]:  # type: ignore[type-arg]
    return [[t.id for owned in o.ranked for t in owned] for o in outcomes]


async def test_mesh_and_emotionmemcore_rows_rank_as_the_engine_does(tmp_path: Path, embedder: Embedder) -> None:
    ds = Dataset("tiny", [Conversation("c1", TURNS, QUESTIONS)])
    ing = await ingest(ds, EngineOptions(data_dir=tmp_path / "engine"), embedder)
    engine = ranked_ids(await ask(ds, ing, embedder))
    assert engine[0][:2] == ["s1:1", "s1:2"]
    for api in ("mesh", "emc"):
        outcomes, _, memories = await through_http(ds, api, tmp_path / api, embedder)
        assert memories == len(TURNS)
        assert ranked_ids(outcomes) == engine, api


def test_the_japanese_set_is_multi_session_with_paraphrased_questions() -> None:
    ds = ja_community()
    assert len(ds.conversations) >= 8 and len(ds.questions) == 80
    shared = []
    for conv in ds.conversations:
        turns = {t.id: t for t in conv.turns}
        assert len(conv.turns) >= 60 and len({t.session for t in conv.turns}) >= 4
        assert len({t.speaker for t in conv.turns}) >= 3
        for q in conv.questions:
            (gold,) = q.gold_turns
            assert turns[gold].session in q.gold_sessions
            words = {t.base for t in tokenize(q.text) if t.content}
            answer = {t.base for t in tokenize(turns[gold].text) if t.content}
            shared.append(len(words & answer) / max(len(words), 1))
    assert sum(shared) / len(shared) < 0.25  # most of a question's content words are not in its answer
