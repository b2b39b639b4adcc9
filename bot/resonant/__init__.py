"""The Resonant Engine memory management API's domain: sessions, intents, resonances, contexts, choices,
breathing cycles, snapshots and queries, stored in the engine's database."""

from bot.resonant.service import ResonantService

__all__ = ["ResonantService"]
