"""Extension entry point: `await bot.load_extension("cogs.help")`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.discord.client import OmoideBot


async def setup(bot: OmoideBot) -> None:
    from cogs.help.commands import HelpCog

    await bot.add_cog(HelpCog(bot))
