"""Which language to answer in: the user's own setting, else the slash client's locale, else the
language of the message itself, else the last language we saw from that user, else a Japanese
guild, else DEFAULT_LOCALE. (Discord gives every guild en-US unless set, so only ja counts there.)
"""

from __future__ import annotations

import re
from collections import OrderedDict

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


def from_discord_locale(value: object) -> str:
    return "ja" if str(value).lower().startswith("ja") else "en"


class SeenLanguages:
    """The last language detected per user (bounded), for commands with no text of their own."""

    def __init__(self, size: int = 10_000) -> None:
        self._seen: OrderedDict[int, str] = OrderedDict()
        self._size = size

    def note(self, user_id: int, language: str | None) -> None:
        if language is None:
            return
        self._seen[user_id] = language
        self._seen.move_to_end(user_id)
        while len(self._seen) > self._size:
            self._seen.popitem(last=False)

    def get(self, user_id: int) -> str | None:
        return self._seen.get(user_id)

    def forget(self, user_id: int) -> None:
        self._seen.pop(user_id, None)
