"""What the cogs ask of a user's memories (search, memorize, list, emotion stats, forget, export,
purge a channel), so cogs hold no SQL and no engine details. Scope: tenant + persona cube + user;
forgetting and export cover every persona (it is the user's data).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.personas import Persona
from memory.engine import MemoryEngine
from memory.portability import export_user
from memory.types import Memory, MemoryFilter, Page, SaveResult, Scope, SearchHit

EMOTION_SAMPLE = 50  # the seed analyses the latest 50 memories
MEMORIZE_IMPORTANCE = 0.9


@dataclass(slots=True)
class EmotionStats:
    sample: int                                  # memories analysed
    top: list[tuple[str, int, float]]            # (label key, count, percentage of the sample)
    timeline: list[tuple[datetime, list[str]]]   # (created_at, labels) oldest first, for the chart


def discord_session(guild_id: int | None, channel_id: int) -> str:
    """Memories made in a channel carry this session id, so an admin can purge a channel."""
    return f"discord:{guild_id or 'dm'}:{channel_id}"


class MemoryDesk:
    def __init__(self, engine: MemoryEngine, tenant: str = "default") -> None:
        self.engine = engine
        self.tenant = tenant

    def _mine(self, persona: Persona, user_id: str) -> MemoryFilter:
        return MemoryFilter(tenant=self.tenant, cube=persona.cube, user_id=user_id)

    async def search(self, persona: Persona, user_id: str, query: str, top_k: int = 5) -> list[SearchHit]:
        return await self.engine.search(query, self._mine(persona, user_id), top_k=top_k)

    async def memorize(self, persona: Persona, user_id: str, text: str, *, session_id: str | None,
                       metadata: dict[str, Any]) -> SaveResult:
        scope = Scope(self.tenant, persona.cube, user_id, session_id)
        return await self.engine.store(scope, text, tier="long_term", importance=MEMORIZE_IMPORTANCE,
                                       tags=["memorize"], metadata={"source": "memorize", **metadata},
                                       actor=f"discord:{user_id}")

    async def latest(self, persona: Persona, user_id: str, *, limit: int, offset: int = 0) -> Page:
        return await self.engine.list(self._mine(persona, user_id), limit=limit, offset=offset)

    async def emotion_stats(self, persona: Persona, user_id: str, sample: int = EMOTION_SAMPLE) -> EmotionStats:
        memories = (await self.latest(persona, user_id, limit=sample)).memories
        counts = Counter(label for m in memories for label in m.emotion_labels)
        top = [(label, n, n / len(memories) * 100) for label, n in counts.most_common(5)] if memories else []
        timeline = [(m.created_at, m.emotion_labels) for m in reversed(memories)]
        return EmotionStats(len(memories), top, timeline)

    async def recent_texts(self, user_id: str, limit: int = 5) -> list[str]:
        """What the user said most recently (any persona), oldest first: their language, after a restart."""
        page = await self.engine.list(MemoryFilter(tenant=self.tenant, user_id=user_id), limit=limit)
        return [m.user_message or m.content for m in reversed(page.memories)]

    async def count_user(self, user_id: str) -> int:
        return (await self.engine.list(MemoryFilter(tenant=self.tenant, user_id=user_id), limit=1)).total

    async def resolve_id(self, user_id: str, id_or_prefix: str) -> list[str]:
        """The caller's memory ids equal to, or starting with, what they typed (at most two)."""
        key = id_or_prefix.strip().lower()
        if len(key) < 4 or any(c not in "0123456789abcdef-" for c in key):
            return []
        return await self.engine.resolve_ids(MemoryFilter(tenant=self.tenant, user_id=user_id), key, limit=2)

    async def forget_one(self, user_id: str, memory_id: str) -> list[str]:
        return await self.engine.delete(MemoryFilter(tenant=self.tenant, user_id=user_id, ids=[memory_id]),
                                        actor=f"discord:{user_id}")

    async def forget_all(self, user_id: str) -> int:
        return await self.engine.forget_user(user_id, tenant=self.tenant, actor=f"discord:{user_id}")

    async def export(self, user_id: str) -> tuple[bytes, int]:
        """The user's memories as JSONL (no vectors: readable, and small enough for a DM)."""
        lines = [line async for line in export_user(self.engine, user_id, tenant=self.tenant, with_vectors=False)]
        return ("\n".join(lines) + ("\n" if lines else "")).encode(), len(lines)

    async def count_session(self, session_id: str) -> int:
        """Memories a purge of the channel would take (expired ones are swept anyway)."""
        return (await self.engine.list(MemoryFilter(tenant=self.tenant, session_id=session_id), limit=1)).total

    async def purge_session(self, session_id: str, *, actor: str) -> int:
        return len(await self.engine.delete(MemoryFilter(tenant=self.tenant, session_id=session_id), actor=actor))

    async def count_persona(self, persona: Persona, user_id: str) -> int:
        return (await self.latest(persona, user_id, limit=1)).total


__all__ = ["EmotionStats", "Memory", "MemoryDesk", "discord_session"]
