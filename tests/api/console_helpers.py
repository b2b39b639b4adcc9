"""Helpers of the console tests: memories in two personas' cubes, logging in over plain HTTP."""

from __future__ import annotations

import re

import httpx

from bot.console.tokens import ConsoleSigner
from config import Settings
from memory.engine import MemoryEngine
from memory.types import Memory, Scope

COCORO, HARU = "user_user_cocoro_cube", "user_user_haru_cube"


async def seed(engine: MemoryEngine) -> dict[str, Memory]:
    """A few memories of two users in cocoro's cube and one in another persona's cube."""
    made = {}
    for name, cube, user, text, tags in [
        ("ramen", COCORO, "alice", "Alice loves the miso ramen at the station and goes every Friday.", ["food"]),
        ("exam", COCORO, "alice", "Alice passed the university entrance exam and was overjoyed!", ["school"]),
        ("cat", COCORO, "bob", "Bob's cat Mochi is afraid of thunder.", ["pets"]),
        ("haru", HARU, "alice", "Alice told Haru a secret about her guitar band.", ["music"]),
    ]:
        made[name] = (await engine.store(Scope("default", cube, user), text, tags=tags)).memory
    return made


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def login(client: httpx.AsyncClient, key: str) -> httpx.Response:
    page = await client.get("/console/login")
    return await client.post("/console/login", data={"key": key, "csrf": csrf_of(page.text), "next": "/console"})


def signer(settings: Settings) -> ConsoleSigner:
    return ConsoleSigner.from_settings(settings)


async def seed_emotions(engine: MemoryEngine) -> None:
    """Memories with known emotions on known days: alice on May 1 and 2, bob on May 4 (cocoro's cube)."""
    from datetime import UTC, datetime

    from memory.types import Emotion

    for user, day, labels in [("alice", 1, ["joy"]), ("alice", 1, ["joy", "trust"]), ("alice", 2, ["sadness"]),
                              ("bob", 4, ["joy"])]:
        await engine.store(Scope("default", COCORO, user), f"{user} felt {' and '.join(labels)} on May {day}",
                           emotions=[Emotion(label, 0.8) for label in labels],
                           created_at=datetime(2026, 5, day, 12, 0, tzinfo=UTC))


async def seed_people(engine: MemoryEngine) -> None:
    """cocoro's cube: alice (Discord, 3 memories on May 1, 2 and 10), a YouTube viewer (2, on May 11, with joy)
    and a Twitch viewer (1, May 12); one memory of alice in haru's cube."""
    from datetime import UTC, datetime

    from memory.types import Emotion

    for user, day, meta, text, emotions in [
        ("alice", 1, {"platform": "discord", "user_name": "Alice"}, "Alice likes the miso ramen.", []),
        ("alice", 2, {"platform": "discord", "user_name": "Alice"}, "Alice passed her exam!", ["joy"]),
        ("alice", 10, {"platform": "discord", "user_name": "Alice"}, "Alice plays guitar.", []),
        ("youtube:UCviewer1", 11, {"source": "livestream", "platform": "youtube", "viewer_name": "Midori"},
         "Midori watches every Friday stream.", ["joy"]),
        ("youtube:UCviewer1", 11, {"source": "livestream", "platform": "youtube", "viewer_name": "Midori"},
         "Midori sent a super chat for the anniversary.", ["joy", "trust"]),
        ("twitch:kaito", 12, {"source": "livestream", "platform": "twitch", "viewer_name": "Kaito"},
         "Kaito asked about the next song.", []),
    ]:
        await engine.store(Scope("default", COCORO, user), text, metadata=meta,
                           emotions=[Emotion(label, 0.8) for label in emotions],
                           created_at=datetime(2026, 5, day, 12, 0, tzinfo=UTC))
    await engine.store(Scope("default", HARU, "alice"), "Alice told Haru a secret about her guitar band.",
                       metadata={"platform": "discord", "user_name": "Alice"},
                       created_at=datetime(2026, 5, 3, 12, 0, tzinfo=UTC))
