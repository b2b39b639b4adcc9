"""Small mappings between engine values and what the seeds' clients read."""

from __future__ import annotations

from memory.emotions.labels import en_name, ja_name
from memory.types import Memory

DEFAULT_CUBE = "default"  # where EmotionMemCore, Memory Tools and Memory Mesh memories live in a tenant


def emotion_name(key: str, lang: str) -> str:
    if lang == "ja":
        return ja_name(key)
    if lang == "en":
        return en_name(key)
    return key


def emotion_names(memory: Memory, lang: str) -> list[str]:
    return [emotion_name(e.label, lang) for e in memory.emotions]
