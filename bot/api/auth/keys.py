"""API keys in the database: create (shown once), list, revoke, look up, and the first-start admin key."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.api.auth.secrets import display_prefix, first_start_lock_async, key_hash, new_api_key, write_private
from bot.api.tables import ApiKeyRow
from memory.clock import as_utc, utcnow

log = logging.getLogger("omoide.api")
ADMIN_KEY_FILE = "admin.key"


@dataclass(frozen=True)
class KeyInfo:
    id: str
    name: str
    prefix: str
    admin: bool
    tenants: list[str] | None
    personas: list[str] | None
    owner_user_id: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    read_only: bool = False  # search/get/list only: every write route answers 403
    require_signature: bool = False  # every request must carry a valid X-Signature (bot.api.auth.signing)

    @classmethod
    def of(cls, row: ApiKeyRow) -> KeyInfo:
        return cls(row.id, row.name, row.prefix, row.admin, row.tenants, row.personas, row.owner_user_id,
                   as_utc(row.created_at), as_utc(row.expires_at), as_utc(row.revoked_at),
                   bool(row.read_only), bool(row.require_signature))

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class KeyStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def create(self, name: str, *, admin: bool = False, tenants: Sequence[str] | None = None,
                     personas: Sequence[str] | None = None, owner_user_id: str | None = None,
                     expires_at: datetime | None = None, read_only: bool = False,
                     require_signature: bool = False) -> tuple[KeyInfo, str]:
        """A new key; the plaintext is returned here once and never stored."""
        key = new_api_key()
        row = ApiKeyRow(id=str(uuid.uuid4()), name=name, key_hash=key_hash(key), prefix=display_prefix(key),
                        admin=admin, tenants=list(tenants) if tenants is not None else None,
                        personas=list(personas) if personas is not None else None, owner_user_id=owner_user_id,
                        created_at=utcnow(), expires_at=expires_at, read_only=read_only,
                        require_signature=require_signature)
        async with self.sessions.begin() as s:
            s.add(row)
        return KeyInfo.of(row), key

    async def find(self, key: str) -> KeyInfo | None:
        async with self.sessions() as s:
            row = (await s.execute(select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash(key)))).scalar_one_or_none()
        return KeyInfo.of(row) if row else None

    async def get(self, key_id: str) -> KeyInfo | None:
        async with self.sessions() as s:
            row = await s.get(ApiKeyRow, key_id)
        return KeyInfo.of(row) if row else None

    async def list(self, *, owner_user_id: str | None = None) -> list[KeyInfo]:
        stmt = select(ApiKeyRow).order_by(ApiKeyRow.created_at)
        if owner_user_id is not None:
            stmt = stmt.where(ApiKeyRow.owner_user_id == owner_user_id)
        async with self.sessions() as s:
            return [KeyInfo.of(r) for r in (await s.execute(stmt)).scalars()]

    async def revoke(self, key_id: str) -> KeyInfo | None:
        async with self.sessions.begin() as s:
            row = await s.get(ApiKeyRow, key_id)
            if row is None:
                return None
            if row.revoked_at is None:
                row.revoked_at = utcnow()
            return KeyInfo.of(row)

    async def ensure_admin_key(self, data_dir: Path) -> str | None:
        """On first start: make an admin key, write it to DATA_DIR/admin.key (0600), print it once.

        Returns the new key, or None when a usable admin key already exists. Processes starting together on
        one DATA_DIR take turns (a file lock), so one makes the key and the others find it.
        """
        async with first_start_lock_async(data_dir / ADMIN_KEY_FILE):
            now = utcnow()
            async with self.sessions() as s:
                rows = (await s.execute(select(ApiKeyRow).where(ApiKeyRow.admin.is_(True)))).scalars().all()
            if any(KeyInfo.of(r).usable(now) for r in rows):
                return None
            return await self._new_admin_key(data_dir, "admin (first start)")

    async def rotate_admin_key(self, data_dir: Path) -> tuple[str, Sequence[str]]:
        """Revoke every admin key (a leaked one may have made others) and make a new one, as at first start.

        Returns the new key and the ids of the keys revoked.
        """
        now = utcnow()
        async with self.sessions.begin() as s:
            rows = (await s.execute(select(ApiKeyRow).where(ApiKeyRow.admin.is_(True),
                                                            ApiKeyRow.revoked_at.is_(None)))).scalars().all()
            for row in rows:
                row.revoked_at = now
        return await self._new_admin_key(data_dir, "admin (rotated)"), [r.id for r in rows]

    async def _new_admin_key(self, data_dir: Path, name: str) -> str:
        info, key = await self.create(name, admin=True)
        path = data_dir / ADMIN_KEY_FILE
        write_private(path, key + "\n")
        print(f"Omoide admin API key (shown once, also saved to {path} with mode 0600):\n  {key}", flush=True)
        log.info("created the admin API key id=%s; it is in %s", info.id, path)
        return key
