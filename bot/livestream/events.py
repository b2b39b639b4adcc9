"""A live-chat event, the reply it got, and the persona's lines around it (welcome back, thanks).

A viewer is `f"{platform}:{viewer_id}"` in the persona's cube, so the same person on YouTube and on
Twitch are two viewers (platforms share no ids), and two personas never share what a viewer said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from bot.livestream.money import format_money
from bot.personas import Persona
from memory.clock import utcnow
from memory.types import Emotion, Memory

Platform = Literal["youtube", "twitch", "bilibili", "other"]
EventType = Literal["chat", "superchat", "membership", "gift"]
PAID_TYPES: frozenset[str] = frozenset({"superchat", "membership", "gift"})
QUOTE_CHARS = 60

WELCOME_BACK = {"ja": "{name}さん、おかえりなさい！前回は「{last}」って話してくれましたね。",
                "en": "Welcome back, {name}! Last time you said: \"{last}\"."}
THANKS = {"ja": {"superchat": "{name}さん、{amount}スーパーチャットありがとうございます！",
                 "membership": "{name}さん、メンバーシップ加入ありがとうございます！",
                 "gift": "{name}さん、{amount}ギフトありがとうございます！"},
          "en": {"superchat": "Thank you for the {amount}Super Chat, {name}!",
                 "membership": "Thank you for becoming a member, {name}!",
                 "gift": "Thank you for the {amount}gift, {name}!"}}
AMOUNT = {"ja": "{money}の", "en": "{money} "}  # "1,000円のスーパーチャット", "the $5.00 gift"
CHEER = {"ja": "{name}さん、{bits}ビッツのチアーありがとうございます！", "en": "Thank you for the {bits} bits, {name}!"}
SILENT = {"ja": {"superchat": "（スーパーチャットを送りました）", "membership": "（メンバーシップに加入しました）",
                 "gift": "（ギフトを贈りました）", "chat": "（コメント）"},
          "en": {"superchat": "(sent a Super Chat)", "membership": "(became a member)", "gift": "(sent a gift)",
                 "chat": "(comment)"}}


@dataclass(slots=True)
class LiveEvent:
    event_id: str
    platform: str
    viewer_id: str
    viewer_name: str
    type: str
    message: str
    amount: float | None
    currency: str | None
    timestamp: datetime

    @property
    def user_id(self) -> str:
        return f"{self.platform}:{self.viewer_id}"

    @property
    def paid(self) -> bool:
        return self.type in PAID_TYPES

    def spoken_text(self, language: str) -> str:
        """What the persona answers: the message, or a note of what happened when there is none."""
        return self.message.strip() or SILENT[language][self.type]


@dataclass(slots=True)
class LiveReply:
    event: LiveEvent
    text: str
    emotions: list[Emotion]
    memories_used: int
    viewer_known: bool
    welcomed_back: bool
    used_llm: bool
    produced_at: datetime = field(default_factory=utcnow)

    @property
    def dominant(self) -> Emotion | None:
        return max(self.emotions, key=lambda e: e.score, default=None)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS - 1] + "…"


def last_said(memory: Memory) -> str:
    return _quote(memory.user_message or memory.content)


def is_returning(last: Memory | None, now: datetime, gap_minutes: int) -> bool:
    """Greeted as returning when the viewer's newest memory is at least `gap_minutes` old (not mid-stream)."""
    return last is not None and now - last.created_at >= timedelta(minutes=gap_minutes)


def opening_lines(persona: Persona, event: LiveEvent, last: Memory | None, welcome_back: bool) -> list[str]:
    """Thanks for a paid event and the welcome back, in the persona's language, before the answer."""
    lang = persona.language
    lines = []
    if event.paid and event.currency == "BITS" and event.amount:  # Twitch cheers: bits, not money
        lines.append(CHEER[lang].format(name=event.viewer_name, bits=f"{event.amount:g}"))
    elif event.paid:
        money = format_money(event.amount, event.currency, lang) if event.amount else ""
        amount = AMOUNT[lang].format(money=money) if money else ""
        lines.append(THANKS[lang][event.type].format(name=event.viewer_name, amount=amount))
    if welcome_back and last is not None:
        lines.append(WELCOME_BACK[lang].format(name=event.viewer_name, last=last_said(last)))
    return lines
