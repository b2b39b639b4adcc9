"""VTuber livestream hook: live-chat events in, the persona's replies out (response and WebSocket).

Thin handlers over `bot.livestream`: find the persona (404 naming it), check the key's scope (its
persona and tenant), look up whether the viewer is known, hand the event to the persona's stream and
wait a little (LIVESTREAM_REPLY_WAIT_SECONDS) for the reply; a reply that takes longer still comes, on
`GET /api/livestream/{persona}/ws`.
"""

from __future__ import annotations

import asyncio
import html
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from bot.api.convert import emotion_name
from bot.api.errors import not_found
from bot.api.hub import Hub
from bot.api.registry import Api
from bot.api.schemas.livestream import (
    DroppedCounts,
    EmotionOut,
    LiveEventIn,
    LiveEventOut,
    LiveStatsOut,
)
from bot.api.state import STATE, audit, principal, state
from bot.livestream import LiveEvent, LiveReply, Stream, Streams
from bot.livestream.codes import CHAT_CODES, ChatCodes
from bot.livestream.connectors import LiveConnectors, LiveSetupError, check_targets, feed_into
from bot.livestream.connectors.base import Feed
from bot.livestream.expressions import expression_for, face_of
from bot.livestream.speech import speakable
from bot.personas import Persona
from memory.clock import utcnow
from memory.types import Emotion

TAG = "Livestream"
STREAMS = web.AppKey("livestream_streams", Streams)
LISTENERS = web.AppKey("livestream_listeners", Hub)
# the console's live view: the replies too, and the events that got none (the API's socket sends replies only)
WATCHERS = web.AppKey("livestream_watchers", Hub)
CONNECTORS = web.AppKey("livestream_connectors", LiveConnectors)
CLOSE_SECONDS = 60.0  # at shutdown, time to answer what was already accepted
OVERLAY_DIR = Path(__file__).resolve().parent.parent.parent / "livestream" / "overlay"
OVERLAY_BASE = "/api/livestream"
# the overlay runs nothing inline: its script and style are files of this origin, its socket goes back here
OVERLAY_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
               "base-uri 'none'; form-action 'none'; frame-ancestors *")


async def _persona(request: web.Request) -> Persona:
    """The persona of the path after the scope checks; 404 naming it when there is none."""
    st, who = state(request), principal(request)
    name = request.match_info["persona"]
    persona = st.services.personas.find(name)
    if persona is None:
        known = ", ".join(st.services.personas.names())
        raise not_found(f"persona {name!r} (known: {known})", field="persona")
    await st.access.require_tenant(who, st.services.conversation.tenant)
    st.access.require_cube(who, persona.cube)
    return persona


def _emotion(e: Emotion, lang: str) -> EmotionOut:
    return EmotionOut(label=e.label, name=emotion_name(e.label, lang), score=round(e.score, 4))


def _event(body: LiveEventIn) -> LiveEvent:
    return LiveEvent(event_id=body.event_id or uuid.uuid4().hex, platform=body.platform, viewer_id=body.viewer_id,
                     viewer_name=body.viewer_name, type=body.type, message=body.message, amount=body.amount,
                     currency=body.currency.upper() if body.currency else None, timestamp=body.timestamp or utcnow())


def _answered(out: LiveEventOut, reply: LiveReply, persona: Persona, lang: str) -> LiveEventOut:
    dominant = reply.dominant
    return out.model_copy(update={
        "status": "answered", "reply": reply.text, "tts_text": speakable(reply.text, persona.language),
        "expression": expression_for(dominant.label if dominant else None, persona.expressions),
        "emotions": [_emotion(e, lang) for e in reply.emotions],
        "dominant_emotion": _emotion(dominant, lang) if dominant else None, "memories_used": reply.memories_used,
        "welcomed_back": reply.welcomed_back, "used_llm": reply.used_llm})


async def post_event(request: web.Request, body: LiveEventIn) -> LiveEventOut:
    st = state(request)
    persona = await _persona(request)
    stream = request.app[STREAMS].get(persona)
    event = _event(body)
    last = await stream.viewer_memory(event.user_id)
    audit(request, tenant=st.services.conversation.tenant,
          target=f"livestream {persona.memory_id}: {event.type} from {event.user_id}")
    out = LiveEventOut(event_id=event.event_id, persona=persona.memory_id, user_id=event.user_id, status="queued",
                       viewer_known=last is not None)
    outcome = stream.submit(event, last)
    if outcome.job is None:
        await request.app[WATCHERS].publish(persona.memory_id, dropped_message(event, persona, last is not None,
                                                                                outcome.dropped))
        return out.model_copy(update={"status": "dropped", "reason": outcome.dropped})
    try:
        reply = await asyncio.wait_for(asyncio.shield(outcome.job.done), st.settings.livestream_reply_wait_seconds)
    except TimeoutError:
        return out  # accepted: the worker answers it and pushes the reply to the WebSocket
    except asyncio.CancelledError:
        if outcome.job.done.cancelled():  # the stream closed under us (shutdown), the request did not
            return out
        raise
    if reply is None:
        return out.model_copy(update={"status": "failed"})
    return _answered(out, reply, persona, st.settings.api_emotion_names)


def reply_message(reply: LiveReply, persona: Persona, lang: str) -> dict[str, Any]:
    """What an avatar/TTS client receives: the text to speak and the expression to show."""
    ev, dominant = reply.event, reply.dominant
    expression = expression_for(dominant.label if dominant else None, persona.expressions)
    return {"type": "reply", "event_id": ev.event_id, "persona": persona.memory_id, "platform": ev.platform,
            "viewer_id": ev.viewer_id, "viewer_name": ev.viewer_name, "user_id": ev.user_id, "event_type": ev.type,
            "paid": ev.paid, "amount": ev.amount, "currency": ev.currency, "message": ev.message,
            "reply": reply.text, "tts_text": speakable(reply.text, persona.language),
            "expression": expression, "expression_face": face_of(expression),
            "emotion": dominant.label if dominant else None,
            "emotion_name": emotion_name(dominant.label, lang) if dominant else None,
            "emotions": [_emotion(e, lang).model_dump() for e in reply.emotions],
            "viewer_known": reply.viewer_known, "welcomed_back": reply.welcomed_back,
            "memories_used": reply.memories_used, "produced_at": reply.produced_at.isoformat()}


def dropped_message(event: LiveEvent, persona: Persona, viewer_known: bool, reason: str | None) -> dict[str, Any]:
    """An event that gets no reply (rate limit, full queue): the console's live view shows it unanswered."""
    return {"type": "event", "status": "dropped", "reason": reason, "event_id": event.event_id,
            "persona": persona.memory_id, "platform": event.platform, "viewer_id": event.viewer_id,
            "viewer_name": event.viewer_name, "user_id": event.user_id, "event_type": event.type,
            "message": event.message, "viewer_known": viewer_known}


async def websocket(request: web.Request) -> web.StreamResponse:
    """Push `{"type": "reply", ...}` for each reply of the persona as it is produced."""
    persona = await _persona(request)
    hub = request.app[LISTENERS]
    ws = web.WebSocketResponse(heartbeat=30.0)
    await ws.prepare(request)
    hub.add(persona.memory_id, ws)
    await ws.send_json({"type": "subscribed", "persona": persona.memory_id})
    try:
        async for msg in ws:  # listeners only listen; a ping text gets a pong
            if msg.type == WSMsgType.TEXT and msg.data.strip().lower() in ("ping", json.dumps("ping")):
                await ws.send_json({"type": "pong"})
    finally:
        hub.remove(persona.memory_id, ws)
    return ws


async def stats(request: web.Request) -> LiveStatsOut:
    st = state(request)
    persona = await _persona(request)
    stream = request.app[STREAMS].peek(persona.memory_id)
    out = LiveStatsOut(persona=persona.memory_id,
                       chat_replies_per_minute=st.settings.livestream_chat_replies_per_minute,
                       queue_size=st.settings.livestream_queue_size,
                       listeners=request.app[LISTENERS].count_of(persona.memory_id))
    if stream is None:
        return out
    c = stream.counts
    paid, chat = stream.waiting
    dropped = DroppedCounts(rate_limited=c["dropped_rate_limited"], queue_full=c["dropped_queue_full"])
    dropped.total = dropped.rate_limited + dropped.queue_full
    by_type = {k.removeprefix("type:"): v for k, v in c.items() if k.startswith("type:")}
    return out.model_copy(update={"received": c["received"], "queued": c["queued"], "answered": c["answered"],
                                  "failed": c["failed"], "waiting_paid": paid, "waiting_chat": chat,
                                  "dropped": dropped, "by_type": by_type,
                                  "unanswered_remembered": c["unanswered_remembered"],
                                  "unanswered_forgotten": c["unanswered_forgotten"]})


async def overlay(request: web.Request) -> web.StreamResponse:
    """The OBS page: the latest reply and the persona's expression, fed by the reply WebSocket."""
    persona = await _persona(request)
    page = (OVERLAY_DIR / "overlay.html").read_text(encoding="utf-8")
    for name, value in (("lang", persona.language), ("title", persona.display_name), ("persona", persona.memory_id),
                        ("base", OVERLAY_BASE)):
        page = page.replace("{" + name + "}", html.escape(value, quote=True))
    return web.Response(text=page, content_type="text/html", charset="utf-8",
                        headers={"Content-Security-Policy": OVERLAY_CSP, "Cache-Control": "no-store",
                                 "Referrer-Policy": "no-referrer"})


async def overlay_asset(request: web.Request) -> web.StreamResponse:
    """overlay.js / overlay.css: fixed files, nothing secret (public, so the page can load them)."""
    name = request.path.rsplit("/", 1)[-1]
    kind = {"overlay.js": "text/javascript", "overlay.css": "text/css"}[name]
    return web.Response(text=(OVERLAY_DIR / name).read_text(encoding="utf-8"), content_type=kind, charset="utf-8",
                        headers={"Cache-Control": "max-age=300"})


def _connectors(app: web.Application) -> LiveConnectors:
    """The connectors LIVE_YOUTUBE / LIVE_TWITCH ask for, feeding LIVE_PERSONA's stream."""
    st = app[STATE]
    s = st.settings
    name = s.live_persona or s.default_persona
    persona = st.services.personas.find(name)
    wanted = bool(s.live_youtube or s.live_twitch)
    if wanted:
        check_targets(s.live_youtube, s.live_twitch)
        if persona is None:
            raise LiveSetupError(f"LIVE_PERSONA / --persona: no persona {name!r} "
                                 f"(known: {', '.join(st.services.personas.names())})")

    def make_feed() -> Feed:
        assert persona is not None  # checked above whenever a connector is wanted
        return feed_into(app[STREAMS].get(persona))

    return LiveConnectors(s, persona.memory_id if persona is not None else name, make_feed)


def setup(app: web.Application) -> None:
    app[CHAT_CODES] = ChatCodes(app[STATE].services.conversation.tenant)  # `mydata CODE`: the console's ask page
    app.cleanup_ctx.append(_streams)
    api = Api(app)
    api.add("POST", "/api/livestream/{persona}/events", post_event, summary="A live-chat event for a persona",
            tag=TAG, body=LiveEventIn, response=LiveEventOut, errors=(403, 404))
    api.add("GET", "/api/livestream/{persona}/stats", stats, summary="A persona's stream counters (drops, queue)",
            tag=TAG, response=LiveStatsOut, errors=(403, 404))
    api.add("GET", "/api/livestream/{persona}/ws", websocket, summary="WebSocket: the persona's replies as produced",
            tag=TAG, spec=False)
    api.add("GET", "/api/livestream/{persona}/overlay", overlay, tag=TAG, spec=False,
            summary="OBS browser-source page: the latest reply with the persona's expression (?api_key=...)")
    for name in ("overlay.js", "overlay.css"):
        api.add("GET", f"{OVERLAY_BASE}/{name}", overlay_asset, summary="The overlay page's script and style",
                tag=TAG, spec=False, public=True)


async def _streams(app: web.Application) -> AsyncIterator[None]:
    """The personas' streams and their WebSocket listeners live as long as the app; at cleanup what was
    accepted is answered (up to CLOSE_SECONDS) and its turns are saved before the engine closes."""
    st = app[STATE]
    s = st.settings
    bus = st.services.cluster.bus  # replies reach the sockets of every worker
    hub = app[LISTENERS] = Hub(bus, "livestream")
    watchers = app[WATCHERS] = Hub(bus, "livestream-watch")
    lang = s.api_emotion_names

    def make(persona: Persona) -> Stream:
        async def publish(reply: LiveReply) -> None:
            message = reply_message(reply, persona, lang)
            await hub.publish(persona.memory_id, message)
            await watchers.publish(persona.memory_id, message)

        return Stream(persona, st.services.conversation, publish,
                      replies_per_minute=s.livestream_chat_replies_per_minute, burst=s.livestream_chat_burst,
                      queue_size=s.livestream_queue_size, welcome_back_minutes=s.livestream_welcome_back_minutes,
                      intercept=app[CHAT_CODES].claim)

    streams = app[STREAMS] = Streams(make)
    connectors = app[CONNECTORS] = _connectors(app)
    await connectors.start()
    yield
    await connectors.stop()  # no new events, then answer what was accepted
    await streams.close(CLOSE_SECONDS)
    await st.services.conversation.drain()  # the accepted events' turns are saved before the engine closes
    await hub.close_all()
    await watchers.close_all()
