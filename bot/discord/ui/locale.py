"""Which language to answer in: the user's own setting, else the slash client's locale, else a message
that clearly says (kana or kanji, or a real English sentence), else the script of the user's recent
messages, else a Japanese guild, else a short English message, else DEFAULT_LOCALE. A short Latin
message (`Apex Legends`, a name, a game) says little: a Japanese user writes those too.
(Discord gives every guild en-US unless set, so only ja counts there.)
"""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from dataclasses import dataclass

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
_NOISE = re.compile(r"<[@#:!&a-z0-9_]*\d+>|https?://\S+")


def detect_language(text: str) -> str | None:
    """'ja' when the text has kana or kanji, 'en' when it has two or more Latin words, None when it says nothing."""
    if _JAPANESE.search(text):
        return "ja"
    words = [w.strip(".,!?;:\"()[]") for w in _NOISE.sub(" ", text).split()]
    if sum(1 for w in words if _LATIN_WORD.fullmatch(w)) >= 2:  # ids like 3f2a-9c... are not words
        return "en"
    return None


STRONG_ENGLISH_WORDS = 4  # "what is my favourite movie" decides alone; "Apex Legends" does not
HISTORY = 8  # recent messages per user that vote


@dataclass(frozen=True, slots=True)
class Evidence:
    language: str | None
    strong: bool  # Japanese script, or an English sentence: enough on its own

    @property
    def weight(self) -> int:
        return 2 if self.strong else 1


def language_evidence(text: str) -> Evidence:
    """What one message says about its writer's language, and how firmly."""
    language = detect_language(text)
    if language == "en":
        words = [w for w in _NOISE.sub(" ", text).split() if _LATIN_WORD.fullmatch(w.strip(".,!?;:\"()[]"))]
        return Evidence("en", len(words) >= STRONG_ENGLISH_WORDS)
    return Evidence(language, language == "ja")


def from_discord_locale(value: object) -> str:
    return "ja" if str(value).lower().startswith("ja") else "en"


class SeenLanguages:
    """The language of each user's last few messages (bounded), so one short message does not flip it."""

    def __init__(self, size: int = 10_000) -> None:
        self._seen: OrderedDict[int, deque[Evidence]] = OrderedDict()
        self._loaded: OrderedDict[int, None] = OrderedDict()
        self._size = size

    def needs_loading(self, user_id: int) -> bool:
        """True once per user (per process): their stored messages have not been read yet."""
        if user_id in self._loaded:
            return False
        self._loaded[user_id] = None
        while len(self._loaded) > self._size:
            self._loaded.popitem(last=False)
        return True

    def note_earlier(self, user_id: int, texts: list[str]) -> None:
        """Messages from before this process started (oldest first), placed before what was seen since."""
        since = list(self._seen.get(user_id, ()))
        self._seen.pop(user_id, None)
        for text in texts:
            self.note(user_id, language_evidence(text))
        for evidence in since:
            self.note(user_id, evidence)

    def note(self, user_id: int, evidence: Evidence | str | None) -> None:
        """Remember a message's language (a bare language name counts as firm evidence)."""
        if isinstance(evidence, str):
            evidence = Evidence(evidence, True)
        history = self._seen.get(user_id)
        if history is None:
            history = self._seen[user_id] = deque(maxlen=HISTORY)
        if evidence is not None and evidence.language is not None:
            history.append(evidence)
        self._seen.move_to_end(user_id)
        while len(self._seen) > self._size:
            self._seen.popitem(last=False)

    def get(self, user_id: int) -> str | None:
        """The language most of the user's recent messages were in (weighted; a tie goes to the latest)."""
        history = self._seen.get(user_id)
        if not history:
            return None
        votes: dict[str, int] = {}
        for e in history:
            assert e.language is not None
            votes[e.language] = votes.get(e.language, 0) + e.weight
        best = max(votes.values())
        return next(e.language for e in reversed(history) if votes[e.language or ""] == best)

    def forget(self, user_id: int) -> None:
        self._seen.pop(user_id, None)
        self._loaded.pop(user_id, None)
