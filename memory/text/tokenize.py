"""Japanese-aware lexical terms for the engine's plain SQLite FTS5 table.

Why this exists: FTS5's ``trigram`` tokenizer cannot match 2-character Japanese
words (東京, 猫), and ``unicode61`` does not segment Japanese at all. So we
segment ourselves and store *space-separated terms* in a plain FTS5 column that
uses the default ``unicode61`` tokenizer; queries are built from the same terms.

Design rules that keep index and query consistent:

* Text is NFKC-normalised first (full-width ``ＡＢＣ``→``ABC``, half-width
  ``ｶﾞﾝﾀﾞﾑ``→``ガンダム``).
* Japanese runs (kana/kanji) go through fugashi with the *unidic-lite*
  dictionary, pinned explicitly so installing full ``unidic`` later cannot
  silently change the terms of an existing index.
  - Each token contributes its surface and its dictionary form. The dictionary
    form is unidic's ``orthBase`` (楽しかっ→楽しい, 行っ→行く), *not*
    ``lemma``: ``lemma`` is the lexeme id, which turns proper nouns into
    katakana readings (東京→トウキョウ, 田中→タナカ, conflating different
    names that read the same), adds English glosses (コーヒー-coffee) and
    merges 推す into 押す.
  - ``lemma`` is only added, gloss stripped, for kana-only spellings of
    common words (ねこ→猫, すき→好き, たのしい→楽しい) so casual kana
    writing still meets the kanji spelling.
* Everything else is split into ``\\w`` words (lower-cased); ASCII words also
  get a simplemma English lemma (cats→cat). Apostrophes are removed
  (don't→dont) so a word stays one unicode61 token.
* Every emitted term consists only of letters/digits, i.e. exactly one
  unicode61 token. Emoji and punctuation are never terms (unicode61 would
  treat them as separators anyway); the emotion analyzer reads them instead.
* Nothing here touches the network; all dictionaries ship in wheels.

fugashi/MeCab taggers are not thread-safe, so each thread gets its own tagger
(creating one costs ~7 ms once; parsing costs ~10 µs per sentence).
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import fugashi
import simplemma
import unidic_lite

from memory.text.stopwords import EN_STOPWORDS, FUNCTION_POS, JA_STOP_BASES, SYMBOL_POS

__all__ = [
    "Token",
    "content_words",
    "fts_match_expression",
    "index_document",
    "index_terms",
    "is_japanese",
    "normalize",
    "query_terms",
    "tokenize",
    "word_boundaries",
]

# Kana, kanji and the marks that belong inside Japanese words (々〆〇ー ゝゞ ヽヾ).
# ・ (U+30FB) and ゠ (U+30A0) are punctuation and deliberately left out.
_JA_CHARS = (
    "\u3005-\u3007"  # 々 〆 〇
    "\u3041-\u3096"  # hiragana
    "\u3099-\u309f"  # voicing marks, ゝゞゟ
    "\u30a1-\u30fa"  # katakana
    "\u30fc-\u30ff"  # ー ヽ ヾ ヿ
    "\u31f0-\u31ff"  # katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK ext A
    "\u4e00-\u9fff"  # CJK unified
    "\uf900-\ufaff"  # CJK compatibility
    "\U00020000-\U0003134f"  # CJK ext B..G
)
_JA_RUN = re.compile(f"[{_JA_CHARS}]+")
_HAS_KANJI = re.compile("[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# A "word" outside Japanese runs: letters/digits, with inner apostrophes (don't, Alice's).
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# What unicode61 keeps as token characters (approximately L*, N*): used to make every
# term exactly one FTS5 token.
_FTS_PIECE = re.compile(r"[^\W_]+")
_ASCII_ALPHA = re.compile(r"[a-z]+")


@dataclass(frozen=True, slots=True)
class Token:
    """One analysed word; ``terms`` are what it contributes to the index."""

    surface: str  # NFKC-normalised surface as it appears in the text
    base: str  # dictionary form (orthBase for Japanese, simplemma lemma for English)
    alt: str | None  # canonical spelling for kana-only Japanese words (ねこ→猫), else None
    content: bool  # carries meaning for search/summaries (not a particle/stopword)
    inflected: bool  # surface is a conjugated stem (楽しかっ): not useful as a query term
    japanese: bool

    @property
    def terms(self) -> list[str]:
        """Distinct index terms for this token: surface, base, alt."""
        return list(_token_terms(self))


@lru_cache(maxsize=65536)
def _token_terms(token: Token) -> tuple[str, ...]:
    """A token's index terms (cached: it is pure, and chat repeats its words)."""
    out: list[str] = []
    for form in (token.surface, token.base, token.alt):
        if form:
            for piece in _fts_pieces(form):
                if piece not in out:
                    out.append(piece)
    return tuple(out)


def _sanitize(text: str) -> str:
    """Length-preserving cleanup MeCab needs: lone surrogates → '?', NUL → space."""
    if "\x00" in text:
        text = text.replace("\x00", " ")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (e.g. from JSON "\\ud800") cannot reach C code
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def normalize(text: str) -> str:
    """NFKC so full-/half-width variants index as one spelling (and MeCab-safe)."""
    return unicodedata.normalize("NFKC", _sanitize(text))


def is_japanese(text: str) -> bool:
    """True when the text contains any kana or kanji."""
    return _JA_RUN.search(text) is not None


# --------------------------------------------------------------------------- tagger

_local = threading.local()


def _tagger() -> fugashi.Tagger:
    """Per-thread fugashi tagger pinned to unidic-lite (MeCab taggers are not thread-safe)."""
    tagger = getattr(_local, "tagger", None)
    if tagger is None:
        dicdir = unidic_lite.DICDIR
        mecabrc = os.path.join(dicdir, "mecabrc")
        tagger = fugashi.Tagger(f'-d "{dicdir}" -r "{mecabrc}"')
        _local.tagger = tagger
    return tagger


# --------------------------------------------------------------------------- helpers


def _fts_pieces(form: str) -> list[str]:
    """Split a form into unicode61-safe pieces (letters/digits only)."""
    return _FTS_PIECE.findall(form)


@lru_cache(maxsize=65536)
def _en_lemma(word: str) -> str:
    """simplemma English lemma for a lower-cased ASCII word (cached: it is pure)."""
    try:
        lemma = simplemma.lemmatize(word, lang="en").lower()
    except Exception:  # pragma: no cover - simplemma never raises on str input in practice
        return word
    return lemma if _ASCII_ALPHA.fullmatch(lemma) else word


def _latin_tokens(piece: str) -> list[Token]:
    """Words outside Japanese runs: lower-cased, apostrophes folded, English lemma."""
    return [token for word in _WORD.findall(piece) if (token := _latin_token(word)) is not None]


@lru_cache(maxsize=65536)
def _latin_token(matched: str) -> Token | None:
    """The token of one Latin word as matched (cached: it is pure, and chat repeats its words; each
    text is tokenized for its emotions, its summary and its index terms)."""
    raw = matched.lower().replace("’", "'")
    stop = raw in EN_STOPWORDS
    if raw.endswith("'s") and not stop:
        raw = raw[:-2]  # alice's -> alice
    word = raw.replace("'", "")
    if not word:
        return None
    base = _en_lemma(word) if _ASCII_ALPHA.fullmatch(word) else word
    stop = stop or word in EN_STOPWORDS or (base in EN_STOPWORDS and base != word)
    return Token(surface=word, base=base, alt=None, content=not stop, inflected=False, japanese=False)


def _strip_gloss(lemma: str) -> str:
    """unidic lemmas carry glosses/markers after '-' (コーヒー-coffee, 私-代名詞)."""
    return lemma.split("-", 1)[0]


def _japanese_tokens(run: str) -> list[Token]:
    """fugashi tokens of one kana/kanji run, symbols dropped."""
    tokens: list[Token] = []
    for word in _tagger()(run):
        surface = word.surface
        feature = word.feature
        pos1 = feature.pos1 or ""
        if pos1 in SYMBOL_POS or not _fts_pieces(surface):
            continue
        base = feature.orthBase or surface
        alt: str | None = None
        lemma = feature.lemma
        if lemma and feature.pos2 != "固有名詞" and not _HAS_KANJI.search(base):
            lemma = _strip_gloss(lemma)
            if lemma and lemma != base and _HAS_KANJI.search(lemma):
                alt = lemma
        content = (
            pos1 not in FUNCTION_POS
            and feature.pos2 != "フィラー"
            and base not in JA_STOP_BASES
            and surface not in JA_STOP_BASES
        )
        c_type = feature.cType or "*"
        c_form = feature.cForm or "*"
        inflected = c_type != "*" and not c_form.startswith("終止形")
        tokens.append(Token(surface=surface, base=base, alt=alt, content=content, inflected=inflected, japanese=True))
    return tokens


def tokenize(text: str) -> list[Token]:
    """Analyse mixed Japanese/Latin text into tokens, in text order."""
    text = normalize(text)
    tokens: list[Token] = []
    pos = 0
    for match in _JA_RUN.finditer(text):
        tokens.extend(_latin_tokens(text[pos : match.start()]))
        tokens.extend(_japanese_tokens(match.group(0)))
        pos = match.end()
    tokens.extend(_latin_tokens(text[pos:]))
    return tokens


# --------------------------------------------------------------------------- public API


def index_terms(text: str) -> list[str]:
    """Terms to index, in text order: each token's surface plus its dictionary form(s).

    Duplicates across tokens are kept on purpose (BM25 uses term frequency).
    """
    terms: list[str] = []
    for token in tokenize(text):
        terms.extend(_token_terms(token))
    return terms


def index_document(text: str) -> str:
    """The space-joined string to store in the FTS5 column."""
    return " ".join(index_terms(text))


def query_terms(text: str) -> list[str]:
    """Deduplicated search terms: content words only (no particles/auxiliaries/stopwords).

    Inflected Japanese stems (行っ, 楽しかっ) contribute only their dictionary
    form, which the index also holds. A query made only of function words
    yields ``[]``: it has no lexical signal, so the caller should skip FTS.
    """
    terms: list[str] = []
    seen: set[str] = set()
    for token in tokenize(text):
        if not token.content:
            continue
        forms = [token.base, token.alt] if token.inflected else [token.surface, token.base, token.alt]
        for form in forms:
            if not form:
                continue
            for piece in _fts_pieces(form):
                key = piece.lower()
                if key not in seen:
                    seen.add(key)
                    terms.append(piece)
    return terms


def content_words(text: str) -> list[str]:
    """One dictionary form per content word, repeats kept (for density/centrality scoring)."""
    return [token.base.lower() for token in tokenize(text) if token.content]


def fts_match_expression(terms: list[str]) -> str | None:
    """A MATCH string that can never be an FTS5 syntax error: quoted terms joined by OR.

    Each term becomes an FTS5 string literal ("..." with inner quotes doubled),
    so operators (AND, NEAR, *, ^, -, :, parentheses) inside user text are
    plain characters. Terms with no letters/digits would be empty phrases and
    are dropped; ``None`` means there is nothing to search for.
    """
    quoted: list[str] = []
    seen: set[str] = set()
    for term in terms:
        cleaned = _sanitize(term).strip()
        if not cleaned or not _fts_pieces(cleaned) or cleaned in seen:
            continue
        seen.add(cleaned)
        quoted.append('"' + cleaned.replace('"', '""') + '"')
    if not quoted:
        return None
    return " OR ".join(quoted)


# --------------------------------------------------------------------------- boundaries

_NO_BREAK_BEFORE = frozenset({"\u200d", "\ufe0e", "\ufe0f"})


def word_boundaries(text: str) -> list[int]:
    """Offsets in the *original* text where a cut does not split a word.

    Used to truncate summaries cleanly: never inside a Latin word, a fugashi
    token or an emoji sequence (ZWJ / variation selectors / combining marks).
    Always includes 0 and ``len(text)``.
    """
    text = _sanitize(text)
    inside: set[int] = set()
    pos = 0
    for run in [*_JA_RUN.finditer(text), None]:
        end = run.start() if run is not None else len(text)
        for match in _WORD.finditer(text, pos, end):
            inside.update(range(match.start() + 1, match.end()))
        if run is None:
            break
        inside.update(range(run.start() + 1, run.end()))
        offset = run.start()
        for word in _tagger()(run.group(0)):
            offset += len(word.surface)
            inside.discard(offset)
        pos = run.end()
    bounds: list[int] = []
    for i in range(len(text) + 1):
        if i in inside:
            continue
        if 0 < i < len(text):
            nxt, prev = text[i], text[i - 1]
            if nxt in _NO_BREAK_BEFORE or unicodedata.combining(nxt) or prev == "\u200d":
                continue
            if 0x1F3FB <= ord(nxt) <= 0x1F3FF:  # skin-tone modifier
                continue
        bounds.append(i)
    return bounds
