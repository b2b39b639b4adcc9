"""`python -m bot rotate-admin-key` and `python -m bot rotate-jwt-secret`: replace a leaked secret.

Both work whether or not the bot is running. A revoked admin key stops working within the API's key
cache time (5 s) in a running process; the JWT secret is read at start, so a new one takes effect
when the bot restarts.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
from collections.abc import Sequence

from config import Settings

COMMANDS = ("rotate-admin-key", "rotate-jwt-secret")


def add_secret_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser("rotate-admin-key", help="revoke every admin API key and make a new one (DATA_DIR/admin.key)")
    sub.add_parser("rotate-jwt-secret", help="replace the Memory Mesh token secret (every user logs in again)")


def run_secret_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.api.app import JWT_SECRET_FILE  # the API's imports only for these commands
    from bot.api.auth.secrets import write_private
    from memory.lockfile import is_locked

    if args.command == "rotate-admin-key":
        revoked = asyncio.run(_rotate_admin_key(settings))
        print(f"revoked {len(revoked)} admin key(s): {', '.join(revoked) or '-'}. Review the other keys "
              "(GET /admin/api-keys) and the audit log for keys a leaked admin key may have made.")
        return 0
    write_private(settings.data_dir / JWT_SECRET_FILE, secrets.token_urlsafe(48) + "\n")
    running = is_locked(settings.data_dir)
    print(f"wrote a new JWT secret to {settings.data_dir / JWT_SECRET_FILE} (mode 0600). "
          + ("The bot is running with the old one: restart it now; " if running else "At the next start ")
          + "every Memory Mesh access and refresh token is refused and users log in again.")
    return 0


async def _rotate_admin_key(settings: Settings) -> Sequence[str]:
    from bot.api.auth.keys import KeyStore
    from bot.api.tables import AuditRow
    from bot.store import BotStore
    from memory.clock import utcnow
    from memory.options import EngineOptions

    store = BotStore.beside(EngineOptions.from_settings(settings))
    try:
        await store.ensure_schema()
        _, revoked = await KeyStore(store.sessions).rotate_admin_key(settings.data_dir)
        async with store.sessions.begin() as s:
            s.add(AuditRow(at=utcnow(), actor="cli", method="CLI", path="rotate-admin-key", status=200,
                           target=f"revoked admin keys {', '.join(revoked)}"[:2000]))
        return revoked
    finally:
        await store.close()
