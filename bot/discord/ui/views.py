"""Buttons: paging through memories, and confirming a deletion. Only the invoker may press them."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.discord.i18n import t

log = logging.getLogger("omoide.discord")


class OwnerView(discord.ui.View):
    def __init__(self, owner_id: int, locale: str, *, timeout: float = 180.0) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.locale = locale
        self.message: discord.Message | discord.InteractionMessage | None = None

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(t(self.locale, "view.not_yours"), ephemeral=True)
            return False
        return True

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any]) -> None:
        ref = secrets.token_hex(4)
        log.error("button %s failed (ref=%s)", getattr(item, "custom_id", "?"), ref, exc_info=error)
        send = interaction.followup.send if interaction.response.is_done() else interaction.response.send_message
        await send(t(self.locale, "error.generic", ref=ref), ephemeral=True)

    def _disable(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True


class PagerView(OwnerView):
    """◀ / ▶ through pages; `render(page_index)` returns the embed for that page."""

    def __init__(self, owner_id: int, locale: str, pages: int,
                 render: Callable[[int], Awaitable[discord.Embed]], *, timeout: float = 180.0) -> None:
        super().__init__(owner_id, locale, timeout=timeout)
        self.index = 0
        self.pages = pages
        self.render = render
        self.prev.label = t(locale, "button.prev")
        self.next.label = t(locale, "button.next")
        self._sync()

    def _sync(self) -> None:
        self.prev.disabled = self.index <= 0
        self.next.disabled = self.index >= self.pages - 1

    async def _show(self, interaction: discord.Interaction, index: int) -> None:
        self.index = max(0, min(index, self.pages - 1))
        self._sync()
        await interaction.response.edit_message(embed=await self.render(self.index), view=self)

    @discord.ui.button(label="<", style=discord.ButtonStyle.secondary, emoji="◀️")
    async def prev(self, interaction: discord.Interaction, button: discord.ui.Button[PagerView]) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label=">", style=discord.ButtonStyle.secondary, emoji="▶️")
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[PagerView]) -> None:
        await self._show(interaction, self.index + 1)

    async def on_timeout(self) -> None:
        self._disable()
        if self.message is not None:
            try:
                await self.message.edit(view=self)
            except discord.HTTPException:
                pass


class ConfirmView(OwnerView):
    """A destructive action: Delete runs `action` (which returns the message to show), Cancel does nothing."""

    def __init__(self, owner_id: int, locale: str, action: Callable[[], Awaitable[str]], *,
                 timeout: float = 60.0) -> None:
        super().__init__(owner_id, locale, timeout=timeout)
        self.action = action
        self.done = False
        self.confirm.label = t(locale, "button.confirm")
        self.cancel.label = t(locale, "button.cancel")

    @discord.ui.button(label="Delete", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmView]) -> None:
        self.done = True
        self.stop()
        await interaction.response.defer()
        text = await self.action()
        await interaction.edit_original_response(content=text, view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button[ConfirmView]) -> None:
        self.done = True
        self.stop()
        await interaction.response.edit_message(content=t(self.locale, "confirm.cancelled"), view=None)

    async def on_timeout(self) -> None:
        if not self.done and self.message is not None:
            try:
                await self.message.edit(content=t(self.locale, "confirm.timeout"), view=None)
            except discord.HTTPException:
                pass
