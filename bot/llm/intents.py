"""What a chat message is doing, read from cue words (config/companion/*.toml [cues]): a greeting, a
goodbye, thanks, a question about what the person said before, a request for advice, another question,
or a plain statement. The built-in companion answers each kind in its own way; feelings come from the
emotion analyzer, not from here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal

from bot.llm.lines import all_cues

Greeting = Literal["morning", "evening", "any"]
_QUESTION = re.compile(r"[?？]|(?:かな|かなあ|でしょうか|ですか|ますか)[\s。!！…〜ー]*$")
SMALL_TALK_CHARS = 20


@dataclass(frozen=True, slots=True)
class Intent:
    greeting: Greeting | None = None
    farewell: bool = False
    how_are_you: bool = False
    thanks: bool = False
    recall: bool = False  # asks about something they told the persona before
    advice: bool = False  # asks what to do
    question: bool = False

    @property
    def social(self) -> bool:
        """A greeting, goodbye, thanks or "how are you?"."""
        return bool(self.greeting or self.farewell or self.how_are_you or self.thanks)


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace("’", "'")


@cache
def _pattern(cue: str) -> re.Pattern[str]:
    """ASCII cues match whole words ("hi" is not in "this"); Japanese ones anywhere."""
    if cue.isascii():
        return re.compile(r"(?<![a-z0-9'])" + re.escape(cue) + r"(?![a-z0-9'])")
    return re.compile(re.escape(cue))


def has_cue(text: str, key: str) -> bool:
    return any(_pattern(cue).search(text) for cue in all_cues()[key])


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(text.strip()))


def read_intent(message: str) -> Intent:
    text = normalize(message)
    greeting: Greeting | None = None
    if has_cue(text, "greeting_morning"):
        greeting = "morning"
    elif has_cue(text, "greeting_evening"):
        greeting = "evening"
    elif has_cue(text, "greeting"):
        greeting = "any"
    how_are_you = has_cue(text, "how_are_you")
    social = bool(greeting or how_are_you or has_cue(text, "farewell") or has_cue(text, "thanks"))
    question = is_question(text) and not (social and len(text.strip()) <= SMALL_TALK_CHARS)  # "hello?" greets
    recall = has_cue(text, "recall") or (question and has_cue(text, "recall_mine"))
    advice = not recall and has_cue(text, "advice")
    return Intent(greeting=greeting, farewell=has_cue(text, "farewell"), how_are_you=how_are_you,
                  thanks=has_cue(text, "thanks"), recall=recall, advice=advice,
                  question=question and not (recall or advice or how_are_you))


def is_small_talk(text: str) -> bool:
    """A short greeting, goodbye or thanks ("こんにちは", "thx!"): nothing worth quoting back as a memory."""
    return read_intent(text).social and len(text.strip()) <= SMALL_TALK_CHARS
