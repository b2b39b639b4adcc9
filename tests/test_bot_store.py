"""The bot's own tables go through its own store (bot.store), opened and closed by Services."""

from __future__ import annotations

from pathlib import Path

from bot.services import Services
from config.settings import Settings
from memory.engine import MemoryEngine
from memory.types import MemoryFilter, Scope


def _settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]


async def test_services_close_their_store_and_leave_a_handed_in_engine_open(engine: MemoryEngine,
                                                                               tmp_path: Path) -> None:
    first = Services(settings=_settings(tmp_path), engine=engine)
    await first.prefs.set_user_locale(42, "en")
    await first.prefs.set_opted_out(7, True)
    await first.close()
    saved = await engine.store(Scope("t", "c", "u"), "The engine still saves after the bot's store closed")
    assert [m.id for m in (await engine.list(MemoryFilter(tenant="t"))).memories] == [saved.memory.id]
    again = Services(settings=_settings(tmp_path), engine=engine)  # the same database, a new store
    try:
        assert await again.prefs.user_locale(42) == "en" and await again.prefs.opted_out(7)
    finally:
        await again.close()
