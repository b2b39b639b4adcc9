"""The VTuber livestream hook: live-chat events in, a persona's spoken replies out (HTTP + WebSocket)."""

from bot.livestream.events import PAID_TYPES, LiveEvent, LiveReply
from bot.livestream.stream import Outcome, Stream, Streams

__all__ = ["PAID_TYPES", "LiveEvent", "LiveReply", "Outcome", "Stream", "Streams"]
