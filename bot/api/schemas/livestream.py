"""Livestream hook: a live-chat event in, what the persona did with it out (and the stream's counters)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from bot.api.identifiers import Identifier, ViewerIdentifier
from bot.api.schemas.common import NOT_BLANK, Request, UtcDateTime
from bot.livestream.events import EventType, Platform

ViewerId = ViewerIdentifier
ViewerName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NOT_BLANK)]
MESSAGE_CHARS = 2000


class LiveEventIn(Request):
    platform: Platform = Field(description="Where the stream runs: youtube, twitch, bilibili or other")
    viewer_id: ViewerId = Field(description="The platform's id of the viewer (channel id, user id...)")
    viewer_name: ViewerName = Field(description="The name shown in chat")
    type: EventType = Field("chat", description="chat, superchat, membership or gift (the last three are paid)")
    message: str = Field("", max_length=MESSAGE_CHARS, validate_default=True,
                         description="The chat text; may be empty for paid events")
    amount: float | None = Field(None, ge=0, le=1e9, allow_inf_nan=False, description="Paid amount, if any")
    currency: Annotated[str, StringConstraints(min_length=1, max_length=8, pattern=r"^[A-Za-z]+$")] | None = Field(
        None, description="Currency code of the amount (JPY, USD...)")
    timestamp: UtcDateTime | None = Field(None, description="When the viewer sent it (default: when received)")
    event_id: Identifier | None = Field(
        None, description="The platform's message id, echoed back and on the WebSocket (made up when absent)")

    @field_validator("message")
    @classmethod
    def _chat_needs_words(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("type", "chat") == "chat" and not value.strip():
            raise ValueError("a chat event needs a non-blank message")
        return value


class EmotionOut(BaseModel):
    label: str = Field(description="Emotion key (joy, sadness...)")
    name: str = Field(description="The name in API_EMOTION_NAMES style (喜び / Joy / joy)")
    score: float


class LiveEventOut(BaseModel):
    event_id: str
    persona: str = Field(description="memory_id of the persona that handled the event")
    user_id: str = Field(description="The viewer in the persona's cube: platform:viewer_id")
    status: Literal["answered", "queued", "dropped", "failed"] = Field(
        description="answered: reply below; queued: accepted, the reply comes on the WebSocket; dropped: ordinary "
                    "chat not answered but remembered (see reason); "
                    "failed: accepted but answering raised an error (logged)")
    reason: Literal["rate_limited", "queue_full", "privacy_code"] | None = Field(
        None, description="Why a chat was dropped; privacy_code: a viewer's `mydata CODE` for the console's privacy "
                          "page (neither answered nor remembered)")
    reply: str | None = None
    tts_text: str | None = Field(None, description="The reply for a speech synthesiser: no emoji or kaomoji, money, "
                                                   "dates and numbers in words (¥1,000 -> 千円, $5 -> five dollars)")
    expression: str | None = Field(None, description="The persona's expression for the dominant emotion (its "
                                                     "[expressions] table, else smile/sad/...; neutral without one)")
    emotions: list[EmotionOut] = Field(default_factory=list)
    dominant_emotion: EmotionOut | None = Field(None, description="The strongest emotion (for the avatar's expression)")
    memories_used: int = Field(0, description="Memories of this viewer recalled for the reply")
    viewer_known: bool = Field(description="The persona had memories of this viewer before this event")
    welcomed_back: bool = Field(False, description="The reply opened with a welcome back")
    used_llm: bool = False


class DroppedCounts(BaseModel):
    rate_limited: int = 0
    queue_full: int = 0
    total: int = 0


class ConnectorOut(BaseModel):
    platform: str = Field(description="youtube or twitch")
    target: str = Field(description="The video, channel or handle it reads")
    persona: str
    state: Literal["starting", "connected", "waiting", "reconnecting", "stopped"] = Field(
        description="waiting: the stream is not live yet; reconnecting: after an error, with backoff")
    since: datetime = Field(description="When it entered this state")
    last_error: str | None = None
    messages_seen: int = Field(description="Chat messages read from the platform")
    events_fed: int = Field(description="Events handed to the persona's stream")
    duplicates_skipped: int = 0
    reconnects: int = 0


class LiveStatsOut(BaseModel):
    persona: str
    received: int = 0
    queued: int = Field(0, description="Events accepted for an answer since start")
    answered: int = 0
    failed: int = 0
    waiting_paid: int = 0
    waiting_chat: int = 0
    dropped: DroppedCounts = Field(default_factory=DroppedCounts)
    unanswered_remembered: int = Field(0, description="Dropped chats saved as the viewer's memories (not answered)")
    unanswered_forgotten: int = Field(0, description="Dropped chats not saved (backlog full or a save error)")
    by_type: dict[str, int] = Field(default_factory=dict)
    listeners: int = Field(0, description="WebSocket clients subscribed to this persona")
    chat_replies_per_minute: int = 0
    queue_size: int = 0
