"""Extension entry point: `await bot.load_extension("cogs.chat")`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.discord.client import OmoideBot


async def setup(bot: OmoideBot) -> None:
    from cogs.chat.commands import ChatCog

    await bot.add_cog(ChatCog(bot))
