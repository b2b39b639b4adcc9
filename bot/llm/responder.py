"""The built-in companion: with no language model the bot still talks, briefly and in character.

It answers what was said (a greeting, thanks, a question about the past with the one memory that
answers it, a feeling with an empathetic line naming it, otherwise a short acknowledgement or a
follow-up question), in the persona's voice (first person, catchphrases, its own phrases) and the
person's language. It quotes at most one memory, and never the message it is answering. Its words
come from config/companion/<lang>.toml; the conversation service decides when to add the note that no
language model is set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from bot.llm.intents import Intent, is_question, is_small_talk, normalize, read_intent
from bot.llm.lines import Lines, lines_for, seed_of
from bot.personas import Persona
from memory.emotions.labels import en_name, ja_name
from memory.types import Emotion, Memory, SearchHit

# memory.search's score: 0.5 and up reads as "probably related", but unrelated chat reaches about 0.6
RECALL_SCORE = 0.5  # asked about the past: a related memory that shares words with the question...
RECALL_DENSE_SCORE = 0.55  # ...or one this close without shared words
ASIDE_SCORE = 0.62  # unasked, a memory is brought up only when it is this close and shares words
FEELING_SCORE = 0.5  # the analyzer's weaker labels are often wrong: answer only a clear feeling
QUOTE_CHARS = 60
_SENTENCE_END = re.compile(r"(?<=[。！？!?])\s*|(?<=[.])\s+")
_COMPACT = re.compile(r"[\W_]+")


def emotion_names(labels: list[str], language: str, limit: int = 3) -> str:
    name = ja_name if language == "ja" else en_name
    sep = "、" if language == "ja" else ", "
    return sep.join(name(label) for label in labels[:limit]) or ("なし" if language == "ja" else "none")


def short_date(d: datetime) -> str:
    return d.strftime("%Y-%m-%d")


def _compact(text: str) -> str:
    return _COMPACT.sub("", normalize(text))


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """The first sentence of what they said, without its final stop, cut to `limit` characters."""
    text = " ".join(text.split())
    first = _SENTENCE_END.split(text, maxsplit=1)[0] or text
    first = first.rstrip("。.!！")
    return first if len(first) <= limit else first[: limit - 1] + "…"


def said_by_user(memory: Memory) -> str:
    return memory.user_message or memory.content


def quotable(hits: Sequence[SearchHit], message: str, lexical_score: float, dense_score: float) -> Memory | None:
    """The best memory worth quoting back: related enough (`lexical_score` when it shares words with the
    message, else `dense_score`), something they told (not a question they asked, not small talk) and
    not the message being answered (a repeated message finds its own earlier copy)."""
    current = _compact(message)
    for hit in hits:
        text = said_by_user(hit.memory)
        if hit.score < (lexical_score if hit.matched_lexically else dense_score):
            continue
        if _compact(text) == current or is_question(text) or is_small_talk(text):
            continue
        return hit.memory
    return None


class Companion:
    """One reply: the persona, the person, the reply language and what was recalled."""

    def __init__(self, persona: Persona, user_name: str, language: str, *, now: datetime) -> None:
        self.persona = persona
        self.lines: Lines = lines_for(language)
        self.own_voice = persona.language == self.lines.language  # its phrases are written in its language
        self.now = now
        style = persona.style
        self.overrides = style.phrases if self.own_voice else {}
        first_person = style.first_person if self.own_voice else ""
        self.values = {"me": first_person or ("わたし" if self.lines.language == "ja" else "I")}
        self.values["user"] = self.say("name", 0, name=user_name)

    def say(self, key: str, seed: int, **values: str) -> str:
        return self.lines.pick(key, seed, self.overrides, **{**self.values, **values})

    def about(self, key: str, memory: Memory, seed: int) -> str:
        return self.say(key, seed, memory=quote(said_by_user(memory)), when=self.lines.when(memory.created_at,
                                                                                              self.now))

    def reply(self, message: str, hits: Sequence[SearchHit], emotions: Sequence[Emotion]) -> str:
        intent = read_intent(message)
        seed = seed_of(self.values["user"], message)
        parts: list[str] = []
        if intent.greeting:
            parts.append(self.say({"any": "greeting"}.get(intent.greeting, f"greeting_{intent.greeting}"), seed))
        if intent.how_are_you:
            parts.append(self.say("how_are_you", seed))
        if intent.thanks:
            parts.append(self.say("thanks", seed))
        feeling = self._feeling(intent, emotions, seed)
        if feeling:
            parts.append(feeling)
        parts.extend(self._answer(intent, message, hits, seed, felt=feeling is not None))
        if intent.farewell:
            parts.append(self.say("farewell", seed))
        if intent.greeting and len(parts) == 1 and not is_question(parts[0]):
            parts.append(self.say("followup", seed))
        if (intent.greeting or intent.farewell) and self.own_voice and self.persona.style.catchphrases:
            phrases = self.persona.style.catchphrases
            if seed % 2 == 0:
                parts.append(phrases[(seed // 2) % len(phrases)])
        return self._join(parts)

    def _feeling(self, intent: Intent, emotions: Sequence[Emotion], seed: int) -> str | None:
        if intent.thanks or intent.recall or not emotions:
            return None  # thanks reads as affection/trust; a question about the past wants its answer
        top = max(emotions, key=lambda e: e.score)
        if top.score < FEELING_SCORE:
            return None
        return self.lines.feeling(top.label, seed, **self.values)

    def _answer(self, intent: Intent, message: str, hits: Sequence[SearchHit], seed: int, *, felt: bool) -> list[str]:
        if intent.recall:
            found = quotable(hits, message, RECALL_SCORE, RECALL_DENSE_SCORE)
            return [self.about("recall", found, seed) if found else self.say("recall_none", seed)]
        if intent.advice:
            found = quotable(hits, message, ASIDE_SCORE, 1.01)
            return [self.about("advice_memory", found, seed) if found else self.say("advice", seed)]
        if intent.question:
            return [self.say("question", seed)]
        if intent.social or felt:
            return []
        found = quotable(hits, message, ASIDE_SCORE, 1.01)  # 1.01: only with shared words
        if found is not None:
            return [self.say("ack", seed), self.about("recall_aside", found, seed)]
        return [self.say("ack", seed), self.say("ack_followup", seed)]

    def _join(self, parts: list[str]) -> str:
        return ("" if self.lines.language == "ja" else " ").join(p.strip() for p in parts if p.strip())


def companion_reply(persona: Persona, user_name: str, message: str, language: str, hits: Sequence[SearchHit],
                    emotions: Sequence[Emotion], *, now: datetime) -> str:
    """What the persona says to `message` without a language model (see the module docstring)."""
    return Companion(persona, user_name, language, now=now).reply(message, hits, emotions)


def note(language: str, key: str, persona: Persona) -> str:
    """`no_llm_note` or `llm_down_note` in `language` (the persona's own wording when it has one)."""
    lines = lines_for(language)
    overrides = persona.style.phrases if persona.language == lines.language else {}
    return lines.pick(key, 0, overrides)
