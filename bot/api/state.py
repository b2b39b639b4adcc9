"""What the API's handlers share, kept on the application under typed keys."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.api.auth.keys import KeyStore
from bot.api.auth.principal import Access, Principal
from bot.api.auth.signing import ReplayGuard
from bot.api.auth.users import Users
from bot.api.conversations import Conversations
from bot.api.hub import Hub
from bot.api.ratelimit import Limiter
from bot.services import Services
from bot.store import BotStore
from config import Settings
from memory.engine import MemoryEngine


@dataclass
class ApiState:
    services: Services
    settings: Settings
    keys: KeyStore
    users: Users
    access: Access
    limiter: Limiter
    hub: Hub
    conversations: Conversations
    replays: ReplayGuard

    @property
    def engine(self) -> MemoryEngine:
        return self.services.engine

    @property
    def store(self) -> BotStore:
        """The API's own tables (keys, users, owners, conversations, audit): never the engine's sessions."""
        return self.services.store


SERVICES = web.AppKey("services", Services)  # what the process owns (runner): the engine, personas, conversation
STATE = web.AppKey("api_state", ApiState)
PRINCIPAL = web.RequestKey("principal", Principal)
AUDIT_TENANT = web.RequestKey("audit_tenant", str)
AUDIT_TARGET = web.RequestKey("audit_target", str)


def state(request: web.Request) -> ApiState:
    return request.app[STATE]


def principal(request: web.Request) -> Principal:
    return request[PRINCIPAL]


def audit(request: web.Request, *, tenant: str | None = None, target: str | None = None) -> None:
    """Say what a write touched; the middleware records it with who, when and the outcome."""
    if tenant is not None:
        request[AUDIT_TENANT] = tenant
    if target is not None:
        request[AUDIT_TARGET] = target[:2000]
