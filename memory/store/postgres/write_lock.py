"""The write lock across processes: a save's near-duplicate check and its write, per cube.

Within one process the store's asyncio lock keeps a save's check ("is this already stored?") and its
write together. Two processes saving the same words into one cube at once would both find nothing and
both insert; so while a writer holds `writing(*cubes)` it also holds a transaction-level advisory lock
per cube, on a connection of its own, and commits its write before letting go: the other process's
check, made after it gets the lock, sees the row. Different cubes never wait on each other.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

# pg_advisory_xact_lock(int, int): this class id keeps cube locks apart from the one-key locks (the jobs
# leader, schema upgrades), whose key space PostgreSQL keeps separate from the two-key one.
CUBE_LOCK_CLASS = 0x6F6D6F69  # "omoi"


def cube_lock_key(tenant: str, cube: str) -> int:
    """A stable signed 32-bit key for a cube (the same in every process, unlike Python's hash())."""
    digest = hashlib.blake2b(f"{tenant}\x00{cube}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


@asynccontextmanager
async def cube_locks(writer: AsyncEngine, cubes: Iterable[tuple[str, str]]) -> AsyncIterator[None]:
    """Hold every cube's advisory lock (taken in key order, so two writers never deadlock) until exit."""
    keys = sorted({cube_lock_key(t, c) for t, c in cubes})
    if not keys:
        yield
        return
    async with writer.begin() as conn:
        for key in keys:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k1, :k2)"), {"k1": CUBE_LOCK_CLASS, "k2": key})
        yield
