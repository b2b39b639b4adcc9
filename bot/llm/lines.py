"""The built-in companion's words, one data file per language (config/companion/<lang>.toml), so a
translator or a persona author edits text, not code. Loaded once and checked: both languages have the
same keys, and every line uses only the placeholders its key allows.
"""

from __future__ import annotations

import string
import tomllib
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Literal

from config.timezones import local
from memory.emotions.labels import EMOTIONS

Language = Literal["ja", "en"]
LANGUAGES: tuple[Language, ...] = ("ja", "en")
LINES_DIR = Path(__file__).resolve().parent.parent.parent / "config" / "companion"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")

# what each line may say: {user}, {me}, {memory}, {when}, {feeling}, {name}
_ANY = {"user", "me"}
PLACEHOLDERS: dict[str, set[str]] = {
    "name": {"name"}, "greeting": _ANY, "greeting_morning": _ANY, "greeting_evening": _ANY, "farewell": _ANY,
    "how_are_you": _ANY, "thanks": _ANY, "followup": _ANY, "ack": _ANY, "ack_followup": _ANY,
    "recall": _ANY | {"memory", "when"},
    "recall_none": _ANY, "recall_aside": _ANY | {"memory", "when"}, "advice": _ANY,
    "advice_memory": _ANY | {"memory", "when"}, "question": _ANY, "no_llm_note": set(), "llm_down_note": set(),
}
CUES = ("greeting_morning", "greeting_evening", "greeting", "farewell", "how_are_you", "thanks", "recall",
        "recall_mine", "advice")
WHEN = {"today": set(), "yesterday": set(), "days": {"n"}, "date": {"month", "day", "month_name"}}


class LinesError(ValueError):
    """A companion data file is missing a key or uses an unknown placeholder; the message names both."""


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def check_line(key: str, text: str, allowed: set[str]) -> None:
    unknown = placeholders(text) - allowed
    if unknown:
        raise LinesError(f"{key}: unknown placeholder(s) {sorted(unknown)} in {text!r}; allowed: {sorted(allowed)}")


def seed_of(*parts: str) -> int:
    """A stable number for a message: the same words get the same line, different ones vary."""
    return zlib.crc32("\x1f".join(parts).encode())


@dataclass(frozen=True, slots=True)
class Lines:
    language: Language
    lines: dict[str, tuple[str, ...]]
    feelings: dict[str, tuple[str, ...]]
    feeling_words: dict[str, str]
    cues: dict[str, tuple[str, ...]]
    when_words: dict[str, str]

    def pick(self, key: str, seed: int, overrides: dict[str, list[str]] | None = None, **values: str) -> str:
        choices = (overrides or {}).get(key) or self.lines[key]
        return choices[seed % len(choices)].format(**values)

    def feeling(self, label: str, seed: int, **values: str) -> str:
        choices = self.feelings[label]
        return choices[seed % len(choices)].format(feeling=self.feeling_words[label], **values)

    def when(self, said: datetime, now: datetime) -> str:
        """When something was said, the way a person says it: today, yesterday, 3 days ago, on May 3.
        Days are counted in `now`'s time zone (the person's), not in UTC where memories are stored."""
        if now.tzinfo is not None:
            said = local(said, now.tzinfo)
        days = (now.date() - said.date()).days
        if days <= 0:
            return self.when_words["today"]
        if days == 1:
            return self.when_words["yesterday"]
        if days < 7:
            return self.when_words["days"].format(n=days)
        return self.when_words["date"].format(month=said.month, day=said.day, month_name=MONTHS[said.month - 1])


def _strings(doc: dict[str, object], table: str, path: Path) -> dict[str, tuple[str, ...]]:
    raw = doc.get(table)
    if not isinstance(raw, dict):
        raise LinesError(f"{path}: missing table [{table}]")
    out: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(v, str) and v for v in items):
            raise LinesError(f"{path}: [{table}].{key} must be a non-empty list of strings")
        out[key] = tuple(items)
    return out


def _require(found: Mapping[str, object], wanted: Iterable[str], table: str, path: Path) -> None:
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise LinesError(f"{path}: [{table}] lacks {', '.join(missing)}")


def parse_lines(language: Language, path: Path) -> Lines:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LinesError(f"{path}: cannot read ({exc})") from None
    lines, feelings = _strings(doc, "lines", path), _strings(doc, "feelings", path)
    cues, words = _strings(doc, "cues", path), _strings(doc, "feeling_words", path)
    when = _strings(doc, "when", path)
    for table, found, wanted in (("lines", lines, PLACEHOLDERS), ("feelings", feelings, EMOTIONS),
                                 ("feeling_words", words, EMOTIONS), ("cues", cues, CUES), ("when", when, WHEN)):
        _require(found, wanted, table, path)
    for key, texts in lines.items():
        for text in texts:
            check_line(f"{path.name} [lines].{key}", text, PLACEHOLDERS.get(key, _ANY))
    for key, texts in feelings.items():
        for text in texts:
            check_line(f"{path.name} [feelings].{key}", text, _ANY | {"feeling"})
    for key, allowed in WHEN.items():
        check_line(f"{path.name} [when].{key}", when[key][0], allowed)
    return Lines(language, lines, feelings, {k: v[0] for k, v in words.items()},
                 {k: tuple(c.casefold() for c in v) for k, v in cues.items()}, {k: v[0] for k, v in when.items()})


@cache
def lines_for(language: str) -> Lines:
    lang: Language = "ja" if language == "ja" else "en"
    return parse_lines(lang, LINES_DIR / f"{lang}.toml")


@cache
def all_cues() -> dict[str, tuple[str, ...]]:
    """Every language's cues together: a message is understood whatever language the reply is in."""
    merged: dict[str, tuple[str, ...]] = {}
    for lang in LANGUAGES:
        for key, cues in lines_for(lang).cues.items():
            merged[key] = merged.get(key, ()) + cues
    return merged
