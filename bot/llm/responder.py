"""The built-in responder: with no language model configured the bot still answers, by quoting what
it remembers about the user in the persona's voice (its `[style]` templates), and it says plainly that
no language model is set.
"""

from __future__ import annotations

from datetime import datetime

from bot.personas import Persona
from memory.emotions.labels import en_name, ja_name
from memory.types import Memory

MAX_LINES = 3


def emotion_names(labels: list[str], language: str, limit: int = 3) -> str:
    name = ja_name if language == "ja" else en_name
    sep = "、" if language == "ja" else ", "
    return sep.join(name(label) for label in labels[:limit]) or ("なし" if language == "ja" else "none")


def short_date(d: datetime) -> str:
    return d.strftime("%Y-%m-%d")


def builtin_reply(persona: Persona, user_name: str, memories: list[Memory], note: str | None = None) -> str:
    """Quote up to three relevant memories in the persona's voice, then the no-LLM note (or `note`)."""
    style = persona.style
    note = note or style.no_llm_note
    if not memories:
        head = style.no_memory.format(user=user_name)
        return f"{head}\n{note}"
    lines = [style.recall_intro.format(user=user_name)]
    for m in memories[:MAX_LINES]:
        lines.append(style.memory_line.format(date=short_date(m.created_at), summary=m.summary or m.content[:120],
                                              emotions=emotion_names(m.emotion_labels, persona.language)))
    lines.append(note)
    return "\n".join(lines)
