"""The faster parts of a turn's text analysis give what the slower ones gave (issue 19): the same VADER
scores, the same pattern cues, and the same emotions, summary and index terms for every LoCoMo turn."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from bench.retrieval import data
from memory.emotions.cues import _ANY_PATTERN, may_hold_pattern
from memory.emotions.vader_fast import FastVader
from memory.enrich import Enricher
from memory.text.tokenize import index_document
from memory.turn_text import labelled_turn
from memory.types import Kind, MemoryInput, Scope

CHAT_LINES = Path(__file__).resolve().parents[1] / "bench" / "emotions" / "chat_lines.jsonl"
EDGES = ["I LOVE it 😀", "kind of sad", "no good", "not bad at all!!!", "at least it works", "but why",
         "😡😡 so ANGRY", "good but bad", "", "   ", "Hey :) see you <3", "T_T", "orz", "wwww", "ｗｗｗ草",
         "8888!!", "(^_^)", "XD lol", "it was (≧∇≦) great", ";_; sorry", "o_O what", "tea at 10:30",
         "never been this happy", "THE BEST DAY EVER", "meh... ok?",
         "that movie was the bomb", "a kiss of death for us", "no love or hate", "not the least bit happy",
         "at least he is happy", "I was never so happy", "without doubt a GREAT win", "very least good",
         "it isn't really that NICE", "he is kind of fun", "no no good", "sort of GOOD news", "yeah right fun",
         "good good but bad good", "nice but nice but nice", "sad, but happy, BUT sad", "I like it but", "but good"]

# sha256 (first 16 hex digits) of each LoCoMo conversation's [[emotions, summary, index terms], ...] as
# computed before issue 19's speed-ups; a deliberate change of the analysis updates them
ANALYSIS_DIGESTS = {
    "conv-26": "4710483fe02a5f94",
    "conv-30": "3a92ad870fdd99ed",
    "conv-41": "1b0b10a3976f499f",
    "conv-42": "4f65eed20ccacf1a",
    "conv-43": "f26798c33b16bc77",
    "conv-44": "10f3a241e427149b",
    "conv-47": "5ee6b4574c5dd3cc",
    "conv-48": "a00f392617a8f457",
    "conv-49": "0edb85a7baaef72e",
    "conv-50": "1f09a21e8b0495ab",
}


@pytest.fixture(scope="module")
def locomo() -> data.Dataset:
    return data.locomo(None)


def _texts(ds: data.Dataset) -> list[str]:
    lines = [json.loads(line)["text"] for line in CHAT_LINES.read_text(encoding="utf-8").splitlines() if line]
    return [t.text for c in ds.conversations for t in c.turns] + lines + EDGES


def test_fast_vader_scores_what_vader_scores(locomo: data.Dataset) -> None:
    slow, fast = SentimentIntensityAnalyzer(), FastVader()
    texts = _texts(locomo)
    assert len(texts) > 5000
    for text in texts:
        assert fast.polarity_scores(text) == slow.polarity_scores(text), text


def test_no_pattern_cue_is_skipped_by_the_quick_test(locomo: data.Dataset) -> None:
    texts = _texts(locomo)
    matched = [text for text in texts if _ANY_PATTERN.search(text)]
    assert len(matched) >= 10  # the texts exercise the patterns
    assert [text for text in matched if not may_hold_pattern(text)] == []
    assert sum(may_hold_pattern(text) for text in texts) < len(texts) / 2  # most lines skip the search


def test_every_locomo_turn_is_analysed_as_before(locomo: data.Dataset) -> None:
    enricher = Enricher()
    digests = {}
    for conv in locomo.conversations:
        items = [(MemoryInput(scope=Scope("t", "c", t.speaker), user_message=t.text, ai_message=t.reply), Kind.TURN)
                 for t in conv.turns]
        out = [[[[e.label, e.score] for e in emotions], summary,
                index_document(labelled_turn(t.text, t.reply, t.speaker))]
               for (emotions, summary), t in zip(enricher.enrich(items), conv.turns, strict=True)]
        digests[conv.id] = hashlib.sha256(json.dumps(out, ensure_ascii=False).encode()).hexdigest()[:16]
    assert digests == ANALYSIS_DIGESTS
