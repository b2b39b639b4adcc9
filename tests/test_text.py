"""Tests for Japanese-aware FTS terms and extractive summaries (real fugashi/unidic-lite, real SQLite FTS5)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from thread_helpers import results_from_threads

from memory.text.summary import split_sentences, summarize, summarize_turn, truncate
from memory.text.tokenize import (
    content_words,
    fts_match_expression,
    index_document,
    index_terms,
    query_terms,
    word_boundaries,
)

DOCS = {
    1: "昨日は東京に行った。",
    2: "猫が好き",
    3: "今日はとても楽しい一日",
    4: "先週のライブは楽しかった！",
    5: "I adopted a cat last week",
    6: "My cats are sleeping",
    7: "ねこカフェでのんびりした",
    8: "Mixed: 今日はsushiを食べた",
}

NASTY = [
    '"',
    '""',
    'a "quoted" word',
    "*",
    "cat*",
    "^start",
    "(",
    "())(",
    "NEAR(a b, 2)",
    "a AND b",
    "OR",
    "NOT",
    "-cat",
    "col:value",
    "body: 東京",
    "{body}: x",
    "a + b",
    "'; DROP TABLE docs; --",
    "\x00null",
    "😺🙀",
    "!!!???",
    '東京"AND"猫',
    "   ",
    "",
]


@pytest.fixture()
def db() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE docs USING fts5(body)")  # default unicode61 tokenizer
    conn.executemany(
        "INSERT INTO docs(rowid, body) VALUES (?, ?)",
        [(rowid, index_document(text)) for rowid, text in DOCS.items()],
    )
    yield conn
    conn.close()


def search(conn: sqlite3.Connection, query: str) -> set[int]:
    expression = fts_match_expression(query_terms(query))
    if expression is None:
        return set()
    rows = conn.execute("SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank", (expression,))
    return {row[0] for row in rows}


# ---------------------------------------------------------------- FTS matching


def test_two_char_japanese_word_matches(db: sqlite3.Connection) -> None:
    assert search(db, "東京") == {1}


def test_one_char_word_matches(db: sqlite3.Connection) -> None:
    assert 2 in search(db, "猫")


def test_inflected_query_finds_dictionary_form(db: sqlite3.Connection) -> None:
    assert 3 in search(db, "楽しかった")


def test_dictionary_form_query_finds_inflected(db: sqlite3.Connection) -> None:
    assert 4 in search(db, "楽しい")
    assert search(db, "楽しかった") >= {3, 4}


def test_english_plural_and_singular(db: sqlite3.Connection) -> None:
    assert search(db, "cats") >= {5, 6}
    assert 6 in search(db, "cat")


def test_kana_spelling_meets_kanji_spelling(db: sqlite3.Connection) -> None:
    assert 7 in search(db, "猫")
    assert 2 in search(db, "ねこ")


def test_mixed_language_document(db: sqlite3.Connection) -> None:
    assert search(db, "sushi") == {8}
    assert 8 in search(db, "食べる")


def test_sentence_query_uses_content_words(db: sqlite3.Connection) -> None:
    assert 1 in search(db, "東京に行った時の話")


def test_unrelated_query_finds_nothing(db: sqlite3.Connection) -> None:
    assert search(db, "量子コンピュータ") == set()
    assert search(db, "quantum physics") == set()


@pytest.mark.parametrize("text", NASTY)
def test_weird_queries_never_raise(db: sqlite3.Connection, text: str) -> None:
    search(db, text)  # through query_terms
    expression = fts_match_expression([text, "東京", text])  # raw user text as a term
    assert expression is not None
    db.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (expression,)).fetchall()


def test_weird_documents_index_without_error(db: sqlite3.Connection) -> None:
    for text in NASTY:
        db.execute("INSERT INTO docs(body) VALUES (?)", (index_document(text),))


# ---------------------------------------------------------------- terms


def test_query_terms_drop_particles_and_auxiliaries() -> None:
    assert query_terms("東京に行った時の話") == ["東京", "行く", "時", "話"]


def test_query_terms_drop_english_stopwords_and_dedupe() -> None:
    assert query_terms("The cats and the cat") == ["cats", "cat"]


def test_query_of_only_function_words_is_empty() -> None:
    assert query_terms("です") == []
    assert query_terms("the and of") == []


def test_index_terms_use_orthbase_not_reading() -> None:
    terms = index_terms("東京で楽しかった")
    assert "楽しかっ" in terms and "楽しい" in terms
    assert "東京" in terms and "トウキョウ" not in terms


def test_index_terms_strip_loanword_gloss_and_width() -> None:
    assert index_terms("コーヒーを飲んだ") == ["コーヒー", "を", "飲ん", "飲む", "だ"]
    assert "ガンダム" in index_terms("ｶﾞﾝﾀﾞﾑ")  # half-width katakana normalised
    assert "abc" in index_terms("ＡＢＣ")


def test_index_terms_skip_punctuation_and_emoji_keep_numbers() -> None:
    terms = index_terms("「猫」が好き！😺 2024年 3pm")
    assert "「" not in terms and "！" not in terms and "😺" not in terms
    assert {"猫", "2024", "年", "3pm"} <= set(terms)


def test_apostrophes_fold_into_one_token() -> None:
    assert "dont" in index_terms("I don't know")
    assert "alice" in index_terms("Alice's book")


def test_fts_match_expression_quotes_and_joins() -> None:
    assert fts_match_expression([]) is None
    assert fts_match_expression(["***", "  "]) is None
    assert fts_match_expression(['say "hi"', "東京"]) == '"say ""hi""" OR "東京"'


def test_content_words_are_dictionary_forms() -> None:
    assert content_words("猫を飼い始めて楽しかった") == ["猫", "飼う", "始める", "楽しい"]


def test_word_boundaries_do_not_split_words_or_emoji() -> None:
    text = "iPhoneを買った👍🏽 hello"
    bounds = word_boundaries(text)
    assert 0 in bounds and len(text) in bounds
    assert text.index("Phone") not in bounds  # inside "iPhone"
    thumb = text.index("👍")
    assert thumb + 1 not in bounds  # between 👍 and its skin tone


def test_tokenizer_is_thread_safe() -> None:
    texts = [DOCS[k] for k in sorted(DOCS)] * 50
    expected = [index_terms(t) for t in texts]
    results = results_from_threads(lambda: [index_terms(t) for t in texts])
    assert results == [expected] * 4


# ---------------------------------------------------------------- summaries

JA_TEXT = (
    "こんにちは！今日は友達と東京タワーに行って、展望台から富士山が見えてすごく感動しました。"
    "そのあと浅草でもんじゃ焼きを食べました。楽しかったです。また行きたいな。"
)
EN_TEXT = (
    "Hi! So yesterday I finally adopted a cat from the shelter near my apartment, her name is Mochi. "
    "She is super shy. What do you think I should feed her? lol"
)


def test_split_sentences() -> None:
    assert split_sentences("東京に行った。楽しかった！！「本当？」って言われた。\nMr. Smith paid $3.50. Bye") == [
        "東京に行った。",
        "楽しかった！！",
        "「本当？」って言われた。",
        "Mr. Smith paid $3.50.",
        "Bye",
    ]


def test_short_text_is_returned_whole() -> None:
    assert summarize("猫を飼い始めた。名前はミケ。") == "猫を飼い始めた。名前はミケ。"
    assert summarize("  I  like\n tea  ") == "I like tea"


def test_japanese_summary_picks_informative_sentence() -> None:
    result = summarize(JA_TEXT, max_chars=40)
    assert result == "今日は友達と東京タワーに行って、展望台から富士山が見えてすごく感動しました。"
    assert "こんにちは" not in summarize(JA_TEXT, max_chars=60)


def test_english_summary_picks_informative_sentence() -> None:
    result = summarize(EN_TEXT, max_chars=120)
    assert result.startswith("So yesterday I finally adopted a cat")
    assert "Hi!" not in result and "lol" not in result
    assert len(result) <= 120


def test_truncates_cleanly_with_ellipsis() -> None:
    result = summarize(EN_TEXT, max_chars=40)
    assert result == "So yesterday I finally adopted a cat…"
    ja = summarize(JA_TEXT, max_chars=20)
    assert ja.endswith("…") and len(ja) <= 20
    assert not ja.endswith("、…")  # trailing punctuation is dropped before the ellipsis


@pytest.mark.parametrize("max_chars", [1, 2, 5, 10, 30, 160])
@pytest.mark.parametrize("text", [JA_TEXT, EN_TEXT, "www", "😀" * 300, "a" * 500, "!!!", "ok"])
def test_never_empty_and_never_too_long(text: str, max_chars: int) -> None:
    result = summarize(text, max_chars=max_chars)
    assert result
    assert len(result) <= max_chars


def test_long_unbroken_text_and_emoji_sequences_cut_safely() -> None:
    family = "👨‍👩‍👧‍👦"
    result = summarize(family * 40, max_chars=10)
    assert result.endswith("…")
    assert not result[:-1].endswith("\u200d")
    assert truncate("https://example.com/" + "x" * 200, 30).endswith("…")


def test_blank_input_gives_empty_and_bad_limit_raises() -> None:
    assert summarize("   \n ") == ""
    assert summarize_turn("", None) == ""
    with pytest.raises(ValueError):
        summarize("x", max_chars=0)


def test_turn_summary_keeps_the_users_words() -> None:
    user = "I started learning piano last week and I love it"
    assert summarize_turn(user, "That's wonderful! How often do you practice?") == user


def test_turn_summary_adds_ai_context_for_low_information_replies() -> None:
    result = summarize_turn("うん、そうだね", "明日は東京に行くんですね、楽しみですね！")
    assert result.startswith("うん、そうだね — ")
    assert "東京" in result
    assert summarize_turn("Yes!", "So you're moving to Osaka next month?", max_chars=160) == (
        "Yes! — So you're moving to Osaka next month?"
    )
    assert len(summarize_turn("Yes!", "x " * 200, max_chars=50)) <= 50


def test_turn_summary_without_user_text_uses_ai() -> None:
    assert summarize_turn("  ", "The AI said something") == "The AI said something"
