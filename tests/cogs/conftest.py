"""Fixtures for the Discord cogs: the real bot (real engine, SQLite, model) inside simcord's simulated
Discord. Slash interactions carry the locale a test asks for (simcord always sends en-US)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import simcord.interactions as sim_interactions

from bot.discord.client import OmoideBot
from bot.services import Services
from config.settings import Settings
from memory.engine import MemoryEngine


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": tmp_path / "data", "default_locale": "ja", "timezone": "UTC", **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def bot_settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def services(engine: MemoryEngine, bot_settings: Settings) -> AsyncIterator[Services]:
    svc = Services(settings=bot_settings, engine=engine)
    await svc.prefs.create_tables()
    yield svc
    await svc.close()


@pytest.fixture
def simcord_bot(services: Services) -> OmoideBot:
    return OmoideBot(services)


@pytest.fixture
def client_locale(monkeypatch: pytest.MonkeyPatch) -> dict[int, str]:
    """user id -> Discord client locale sent with that user's interactions (default en-US)."""
    locales: dict[int, str] = {}
    original = sim_interactions.base_payload

    def base_payload(backend: Any, **kwargs: Any) -> Any:
        record, payload = original(backend, **kwargs)
        payload["locale"] = locales.get(kwargs["user_id"], "en-US")
        return record, payload

    monkeypatch.setattr(sim_interactions, "base_payload", base_payload)
    return locales


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """simcord waits 5 s for the bot to settle by default; embedding on a busy 2-core machine can take
    longer, so give every cog test a generous limit (a limit, not a timing assertion)."""
    for item in items:
        if "cogs" in item.path.parts and item.get_closest_marker("simcord") is None:
            item.add_marker(pytest.mark.simcord(settle_timeout=120.0))
