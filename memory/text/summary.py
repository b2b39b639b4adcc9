"""Extractive one-line summaries of chat turns for memory records.

Why extractive: the summary is stored as "what the user said", so it must be
the user's own words (no model, no paraphrase, no network), short enough to
show in a prompt. We split into sentences, score each by how much content it
carries, keep the best ones that fit in original order, and cut cleanly at a
word boundary with "…" when even the best sentence is too long.

Sentence score = (distinct content words × (0.5 + content density)
                  + 0.5 × content words shared with other sentences)
                 × 1.2 if the speaker talks about themself (I/my/私/僕/俺...)
                 × 0.8 if it is a question.
Greetings, acknowledgements and laughter are not content words here.
Content words come from ``tokenize.content_words`` (no particles,
auxiliaries or stopwords), so Japanese and English are scored alike.
"""

from __future__ import annotations

import re
import unicodedata

from memory.text.tokenize import content_words, tokenize, word_boundaries

__all__ = ["AI_CONTEXT_SEPARATOR", "split_sentences", "summarize", "summarize_turn", "truncate"]

AI_CONTEXT_SEPARATOR = " — "
# A user message with fewer content words than this ("うん、そうだね", "yes!") means
# little alone, so the AI's message is appended as context when there is room.
_LOW_INFO_WORDS = 2
_MIN_AI_CONTEXT_CHARS = 12
_ELLIPSIS = "…"

_TERMINALS = "。！？!?．｡"
_MAY_END = re.compile("[\n\r.。！？!?．｡]")  # where split_sentences looks closer: a newline, a terminal, "."
_CLOSERS = "」』）)】〉》\"'”’"
_JA_END = "。！？．｡」』）】〉》"
_WHITESPACE = re.compile(r"[^\S\n]+")
_HIRAGANA = re.compile("[\u3041-\u309f]")
_LAST_WORD = re.compile(r"(?:^|[^\w.])([\w.]+)\.$")
_ABBREVIATIONS = frozenset("mr mrs ms dr prof st jr sr vs etc e.g i.e approx".split())
_TRAILING_JUNK = re.compile(r"[\s、,，;；:：・\-‐–—(（「『【〈《\"“‘']+$")
_SPACE_BEFORE_JA = re.compile(r"[\u3040-\u30ff\u3400-\u9fff。、！？]")

# Words that make a sentence look informative without saying anything about the user.
_NON_CONTENT = frozenset(
    """
    hi hello hey hiya yo thank thanks thx ty ok okay yeah yep yes yup no nope sure lol lmao haha hahaha
    hehe wow oh ah um hmm bye goodnight morning
    こんにちは こんばんは おはよう おはようございます ありがとう ありがとうございます
    どうも うん はい ええ いいえ いや そう そうだ なるほど おやすみ じゃあ また よろしく
    笑 草 w ww www
    """.split()
)
_FIRST_PERSON = frozenset("i me my mine myself im ive id 私 僕 俺 あたし わたし ぼく おれ うち 自分".split())


def split_sentences(text: str) -> list[str]:
    """Split on 。！？!? (with following closing brackets), '. ' and newlines; whitespace collapsed."""
    sentences: list[str] = []
    current: list[str] = []  # pieces of the sentence being read
    i, n = 0, len(text)

    def flush() -> None:
        sentence = _WHITESPACE.sub(" ", "".join(current)).strip()
        if sentence:
            sentences.append(sentence)
        current.clear()

    while i < n:
        found = _MAY_END.search(text, i)  # the text up to it is copied whole, not character by character
        if found is None:
            current.append(text[i:])
            break
        j = found.start()
        current.append(text[i:j])
        char, i = text[j], j + 1
        if char == "\n" or char == "\r":
            flush()
            continue
        current.append(char)
        if char == "." and ((i < n and not text[i].isspace()) or _is_abbreviation("".join(current)[-12:])):
            continue
        closed = False
        while i < n and (text[i] in _TERMINALS or text[i] in _CLOSERS or text[i] == "."):
            closed = closed or text[i] in _CLOSERS
            current.append(text[i])
            i += 1
        if closed and i < n and _HIRAGANA.match(text[i]):
            continue  # 「本当？」って言われた: the quote is inside the sentence
        flush()
    flush()
    return sentences


def _is_abbreviation(tail: str) -> bool:
    """'Mr.', 'e.g.', 'J.' (an initial) do not end a sentence (`tail`: the sentence's last 12 characters)."""
    match = _LAST_WORD.search(tail)
    if match is None:
        return False
    word = match.group(1)
    return word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper())


def truncate(text: str, max_chars: int) -> str:
    """Cut to at most ``max_chars`` characters at a word boundary, ending with "…"."""
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    if len(text) <= max_chars:
        return text
    limit = max_chars - 1
    bounds = [b for b in word_boundaries(text) if b <= limit]
    cut = bounds[-1] if bounds else 0
    if cut < limit * 0.6:
        # One huge "word" (URL, unbroken text): cut mid-word, but never inside an emoji sequence.
        safe = _grapheme_safe_cut(text, limit)
        cut = safe if safe > 0 else cut
    head = _TRAILING_JUNK.sub("", text[:cut])
    if not head:
        head = text[: _grapheme_safe_cut(text, limit)].rstrip()
    return head + _ELLIPSIS


def _grapheme_safe_cut(text: str, limit: int) -> int:
    """Largest cut ≤ limit that does not split ZWJ/variation-selector/combining sequences."""
    cut = min(limit, len(text))
    while 0 < cut < len(text):
        nxt, prev = text[cut], text[cut - 1]
        joined = nxt in "\u200d\ufe0e\ufe0f" or unicodedata.combining(nxt) or prev == "\u200d"
        if not joined and not 0x1F3FB <= ord(nxt) <= 0x1F3FF:
            break
        cut -= 1
    return cut


def _content(sentence: str) -> list[str]:
    return [word for word in content_words(sentence) if word not in _NON_CONTENT]


def _score(sentence: str, words: list[str], others: set[str]) -> float:
    if not words:
        return 0.0
    distinct = set(words)
    tokens = tokenize(sentence)
    density = min(1.0, len(words) / max(1, len(tokens)))
    score = len(distinct) * (0.5 + density) + 0.5 * len(distinct & others)
    if {token.surface for token in tokens} & _FIRST_PERSON:
        score *= 1.2
    if sentence.rstrip(_CLOSERS).endswith(("?", "？")):
        score *= 0.8
    return score


def _join(sentences: list[str]) -> str:
    out = ""
    for sentence in sentences:
        if out and not (out[-1] in _JA_END and _SPACE_BEFORE_JA.match(sentence)):
            out += " "
        out += sentence
    return out


def summarize(text: str, max_chars: int = 160) -> str:
    """The most informative sentence(s) of ``text`` in original order, at most ``max_chars``.

    Non-blank input never yields "" (content-free text is returned truncated);
    blank input yields "".
    """
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    sentences = split_sentences(text)
    if not sentences:
        return ""
    whole = _join(sentences)
    if len(whole) <= max_chars:
        return whole
    contents = [_content(sentence) for sentence in sentences]
    scores: list[float] = []
    for i, sentence in enumerate(sentences):
        others = {word for j, words in enumerate(contents) if j != i for word in words}
        scores.append(_score(sentence, contents[i], others))
    ranked = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
    if scores[ranked[0]] <= 0.0:
        return truncate(whole, max_chars)
    best = ranked[0]
    if len(sentences[best]) > max_chars:
        return truncate(sentences[best], max_chars)  # the best sentence, cut, beats lesser ones whole
    chosen = [best]
    for i in ranked[1:]:
        if scores[i] <= 0.0:
            break
        candidate = sorted([*chosen, i])
        if len(_join([sentences[j] for j in candidate])) <= max_chars:
            chosen = candidate
    return _join([sentences[j] for j in chosen])


def summarize_turn(user_message: str, ai_message: str | None, max_chars: int = 160) -> str:
    """Summary of a turn in the user's words; the AI's words only as context.

    The AI message is appended after " — " only when the user's message
    carries almost no content on its own ("うん、そうだね" answering a
    question) and there is room; if the user said nothing, the AI message is
    summarised instead.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    user_text = (user_message or "").strip()
    ai_text = (ai_message or "").strip()
    if not user_text:
        return summarize(ai_text, max_chars)
    user_summary = summarize(user_text, max_chars)
    if not ai_text or len(set(_content(user_text))) >= _LOW_INFO_WORDS:
        return user_summary
    room = max_chars - len(user_summary) - len(AI_CONTEXT_SEPARATOR)
    if room < _MIN_AI_CONTEXT_CHARS:
        return user_summary
    return user_summary + AI_CONTEXT_SEPARATOR + summarize(ai_text, room)
