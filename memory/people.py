"""Who a cube remembers: one row per user (a Discord user, a livestream viewer, an API caller) with how many
memories, first and last seen, a name they were saved under, and their top emotions.

Index-only GROUP BYs for the page of users (see cube_users), then that page's own rows for names and
emotions, so a persona with 100k memories and thousands of viewers pages quickly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, bindparam, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from memory.clock import as_utc
from memory.db.models import MemoryRow

TOP_EMOTIONS = 3


@dataclass(frozen=True)
class CubeUser:
    user_id: str
    name: str  # the display name saved with their memories (Discord user_name, livestream viewer_name), or ""
    platform: str  # "discord", "youtube", "twitch", ... from the memories' metadata, or ""
    memories: int
    first_seen: datetime
    last_seen: datetime
    top_emotions: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class CubeUsers:
    users: list[CubeUser]
    total: int  # users in the cube (all pages)


async def cube_users(s: AsyncSession | AsyncConnection, tenant: str, cube: str, now: datetime, *, limit: int,
                     offset: int = 0, platform: str | None = None) -> CubeUsers:
    """The cube's users, most recently seen first; `platform` keeps one livestream platform's viewers, whose
    ids are `platform:viewer` (bot.livestream.events).

    The order and first/last seen come from the (tenant, cube, user_id, created_at) index alone, and the
    counts of unexpired memories from the (..., user_id, kind, expires_at, label) one: neither reads a row
    (a row carries its ~2 KB vector). So first/last seen also count a short-term memory past its TTL until
    the sweep deletes it."""
    where = [MemoryRow.tenant == tenant, MemoryRow.cube == cube, MemoryRow.user_id.is_not(None)]
    if platform:
        where.append(MemoryRow.user_id.startswith(f"{platform}:", autoescape=True))
    last = func.max(MemoryRow.created_at).label("last")
    grouped = select(MemoryRow.user_id, func.min(MemoryRow.created_at), last).where(*where).group_by(MemoryRow.user_id)
    total = (await s.execute(select(func.count(func.distinct(MemoryRow.user_id))).where(*where))).scalar_one()
    rows = [(user, first, newest) for user, first, newest in (await s.execute(
        grouped.order_by(last.desc(), MemoryRow.user_id).limit(limit).offset(offset))).all() if user is not None]
    ids = [user for user, _first, _newest in rows]
    counted = (await s.execute(
        select(MemoryRow.user_id, func.count()).where(MemoryRow.tenant == tenant, MemoryRow.cube == cube,
                                                      MemoryRow.user_id.in_(ids),
                                                      or_(MemoryRow.expires_at.is_(None), MemoryRow.expires_at > now))
        .group_by(MemoryRow.user_id))).all() if ids else []
    counts = {user: n for user, n in counted if user is not None}
    origin = await _origins(s, tenant, cube, [(user, newest) for user, _first, newest in rows])
    emotions = await _top_emotions(s, tenant, cube, now, ids)
    return CubeUsers([CubeUser(user_id=user, memories=counts.get(user, 0), first_seen=as_utc(first),
                               last_seen=as_utc(newest), name=origin.get(user, ("", ""))[0],
                               platform=origin.get(user, ("", ""))[1], top_emotions=emotions.get(user, []))
                      for user, first, newest in rows], total)


async def _origins(s: AsyncSession | AsyncConnection, tenant: str, cube: str,
                   newest: list[tuple[str, datetime]]) -> dict[str, tuple[str, str]]:
    """(name, platform) from each user's newest memory: the name they go by now."""
    if not newest:
        return {}
    # one OR term per user, each a seek on the (tenant, cube, user_id, created_at) index; a tuple IN made
    # SQLite walk the whole cube (72 -> 2 ms for 50 users of a 100k cube)
    rows = (await s.execute(select(MemoryRow.user_id, MemoryRow.meta).where(or_(*(
        and_(MemoryRow.tenant == tenant, MemoryRow.cube == cube, MemoryRow.user_id == user,
             MemoryRow.created_at == at) for user, at in newest))))).all()
    found: dict[str, tuple[str, str]] = {}
    for user, meta in rows:
        meta = meta if isinstance(meta, dict) else {}
        name = meta.get("viewer_name") or meta.get("user_name") or ""
        prefix = user.partition(":")[0] if ":" in user else ""
        found[user] = (str(name), str(meta.get("platform") or prefix))
    return found


async def _top_emotions(s: AsyncSession | AsyncConnection, tenant: str, cube: str, now: datetime,
                        users: list[str]) -> dict[str, list[tuple[str, int]]]:
    if not users:
        return {}
    # the alias must not be `label` (memories.label is a column; see memory.stats)
    at: datetime | str
    if _dialect(s) == "postgresql":
        each, emotion, at = ("CROSS JOIN LATERAL jsonb_array_elements(memories.emotions::jsonb) AS j",
                             "j.value->>0", now)
    else:
        each, emotion, at = (", json_each(memories.emotions) j", "json_extract(j.value, '$[0]')",
                             now.replace(tzinfo=None).isoformat(sep=" "))
    rows = (await s.execute(
        text(f"SELECT memories.user_id, {emotion} AS emotion, count(*) AS n FROM memories {each} "
             "WHERE memories.tenant = :t AND memories.cube = :c AND memories.user_id IN :users "
             "AND (memories.expires_at IS NULL OR memories.expires_at > :now) "
             "GROUP BY memories.user_id, emotion ORDER BY n DESC, emotion")
        .bindparams(bindparam("users", expanding=True)),
        {"t": tenant, "c": cube, "users": users, "now": at})).all()
    top: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for user, emotion, n in rows:
        if len(top[user]) < TOP_EMOTIONS:
            top[user].append((emotion, n))
    return top


def _dialect(s: AsyncSession | AsyncConnection) -> str:
    return s.dialect.name if isinstance(s, AsyncConnection) else s.get_bind().dialect.name
