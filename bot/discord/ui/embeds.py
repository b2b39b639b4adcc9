"""Embeds in the seed's shapes (記憶検索結果, あなたの記憶一覧, あなたの感情統計), in the user's language."""

from __future__ import annotations

from datetime import datetime, tzinfo

import discord

from bot.discord.desk import EmotionStats
from bot.discord.i18n import t
from bot.llm.responder import emotion_names
from bot.personas import Persona
from config.timezones import local
from memory.emotions.labels import en_name, ja_name
from memory.types import Memory, Page, SearchHit

SUMMARY_CHARS = 300
SHORT_ID = 8  # enough to tell a user's memories apart; `forget` takes it as a prefix


def _summary(m: Memory) -> str:
    text = m.summary or m.content
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def short_id(memory_id: str) -> str:
    return memory_id[:SHORT_ID]


def when(at: datetime, tz: tzinfo) -> str:
    """A stored time as the reader's wall-clock date and time."""
    return local(at, tz).strftime("%Y-%m-%d %H:%M")


def memory_value(m: Memory, locale: str, tz: tzinfo) -> str:
    return t(locale, "memory.body", summary=discord.utils.escape_markdown(_summary(m)),
             emotions=emotion_names(m.emotion_labels, locale), date=when(m.created_at, tz), id=short_id(m.id))


def remember_embed(query: str, hits: list[SearchHit], persona: Persona, locale: str, tz: tzinfo) -> discord.Embed:
    embed = discord.Embed(title=t(locale, "remember.title"), color=0x00FF00,
                          description=t(locale, "remember.query", query=query.replace("`", "'")[:200],
                                        persona=persona.display_name))
    for i, hit in enumerate(hits[:3], 1):
        # the rank score: what the order is by (similarity, keyword match, importance), so it never rises
        embed.add_field(name=t(locale, "remember.field", i=i, score=f"{hit.rank_score:.2f}"),
                        value=memory_value(hit.memory, locale, tz), inline=False)
    return embed


def pages_of(page: Page) -> int:
    return max(1, -(-page.total // page.limit))


def memories_embed(page: Page, persona: Persona, locale: str, tz: tzinfo) -> discord.Embed:
    number = page.offset // page.limit + 1
    embed = discord.Embed(title=t(locale, "memories.title"), color=0x0099FF,
                          description=t(locale, "memories.description", count=len(page.memories), total=page.total,
                                        page=number, pages=pages_of(page), persona=persona.display_name))
    for i, m in enumerate(page.memories, page.offset + 1):
        embed.add_field(name=t(locale, "memories.field", i=i), value=memory_value(m, locale, tz), inline=False)
    return embed


def emotions_embed(stats: EmotionStats, persona: Persona, locale: str, image: str | None) -> discord.Embed:
    name = ja_name if locale == "ja" else en_name
    embed = discord.Embed(title=t(locale, "emotions.title"), color=0xFF6B6B,
                          description=t(locale, "emotions.description", count=stats.sample,
                                        persona=persona.display_name))
    for i, (label, count, pct) in enumerate(stats.top, 1):
        embed.add_field(name=f"{i}. {name(label)}", value=t(locale, "emotions.value", count=count, pct=f"{pct:.1f}"),
                        inline=True)
    if image:
        embed.set_image(url=f"attachment://{image}")
    return embed


def personas_embed(personas: list[Persona], active: Persona, locale: str) -> discord.Embed:
    embed = discord.Embed(title=t(locale, "persona.list_title"), color=0x9B59B6)
    for p in personas:
        mark = " " + t(locale, "persona.active") if p.memory_id == active.memory_id else ""
        embed.add_field(name=f"{p.display_name} (`{p.memory_id}`){mark}", value=p.description or "-", inline=False)
    return embed


def persona_embed(p: Persona, yours: int, locale: str, model: str | None = None) -> discord.Embed:
    """About a persona; `model` is what answers for it (None: no language model, the built-in companion)."""
    embed = discord.Embed(title=t(locale, "persona.info_title", name=p.display_name), description=p.description or None,
                          color=0x9B59B6)
    embed.add_field(name=t(locale, "persona.field_id"), value=f"`{p.memory_id}`")
    embed.add_field(name=t(locale, "persona.field_language"), value=p.language)
    embed.add_field(name=t(locale, "persona.field_cube"), value=f"`{p.cube}`", inline=False)
    embed.add_field(name=t(locale, "persona.field_yours"), value=str(yours))
    model_text = f"`{model}`" if model else t(locale, "persona.no_model")
    embed.add_field(name=t(locale, "persona.field_model"), value=model_text, inline=False)
    return embed
