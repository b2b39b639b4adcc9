"""`python -m bot mcp`: the MCP server over stdio, for desktop clients that start it themselves.

It opens DATA_DIR itself (so not beside a running bot: use the bot's `/mcp` over HTTP then), checks the
API key before speaking the protocol, and keeps stdout for the protocol alone (logs go to stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from typing import Any

from mcp.server import ServerRequestContext
from mcp.server.stdio import stdio_server
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_REQUEST

from bot.api.app import JWT_SECRET_FILE
from bot.api.auth.keys import KeyStore
from bot.api.auth.owners import TenantOwners
from bot.api.auth.principal import Access
from bot.api.auth.secrets import read_or_create_secret
from bot.api.auth.tokens import Tokens
from bot.api.errors import ApiError
from bot.mcp.caller import Caller, scope_for
from bot.mcp.command import ENV
from bot.mcp.server import build_server
from bot.store import BotStore
from config import Settings
from memory.engine import MemoryEngine
from memory.errors import OmoideError
from memory.lockfile import DataDirLock
from memory.options import EngineOptions

log = logging.getLogger("omoide.mcp")
EXIT_REFUSED = 2


def _option(args: argparse.Namespace, name: str) -> str | None:
    return getattr(args, name) or os.environ.get(ENV[name]) or None


def _access(settings: Settings, engine: MemoryEngine, store: BotStore) -> Access:
    tokens = Tokens(read_or_create_secret(settings.data_dir / JWT_SECRET_FILE), settings.api_jwt_access_minutes,
                    settings.api_jwt_refresh_days)
    return Access(KeyStore(store.sessions), tokens, store.sessions, TenantOwners(store.sessions, engine),
                  settings.api_default_tenant)


async def serve_stdio(settings: Settings, args: argparse.Namespace) -> int:
    api_key = _option(args, "api_key")
    if not api_key:
        log.error("python -m bot mcp needs an API key: set %s (or --api-key); create one with POST /admin/api-keys",
                  ENV["api_key"])
        return EXIT_REFUSED
    lock = DataDirLock(settings.data_dir).acquire()
    try:
        with contextlib.redirect_stdout(sys.stderr):  # stray prints while loading must not reach the protocol
            engine = await MemoryEngine.open(EngineOptions.from_settings(settings))
        store = BotStore.beside(engine.options)
        try:
            await store.ensure_schema()
            access = _access(settings, engine, store)
            await access.owners.backfill(settings.api_default_tenant)  # as the API does at start
            return await _serve(engine, store, access, api_key, args)
        finally:
            await store.close()
            await engine.close()
    finally:
        lock.release()


async def _serve(engine: MemoryEngine, store: BotStore, access: Access, api_key: str,
                 args: argparse.Namespace) -> int:
    try:
        who = await access.resolve(api_key, None)
        scope = await scope_for(access, who, tenant=_option(args, "tenant"), persona=_option(args, "persona"),
                                user=_option(args, "user"))
    except (ApiError, OmoideError) as exc:
        log.error("MCP server not started: %s", exc.message)
        return EXIT_REFUSED

    async def resolve(ctx: ServerRequestContext[Any, Any]) -> Caller:
        try:  # every call: a key revoked or expired meanwhile stops working at once
            return Caller(await access.resolve(api_key, None), scope, engine, store)
        except ApiError as exc:
            raise MCPError(INVALID_REQUEST, exc.message) from None

    server = build_server(resolve)
    log.info("MCP over stdio: tenant=%s cube=%s user=%s read_only=%s", scope.tenant, scope.cube, scope.user_id,
             who.read_only)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
    return 0
