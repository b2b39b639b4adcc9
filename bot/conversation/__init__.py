"""The one conversation service: used by the `chat` cog, `python -m bot chat`, and the livestream hook."""

from bot.conversation.service import ConversationService, Reply

__all__ = ["ConversationService", "Reply"]
