"""One stream per persona: a bounded queue of events and one worker that answers them in order.

The persona speaks one reply at a time, so a single worker per stream is the natural pace. Paid events
(superchat, membership, gift) wait in their own queue, are served first, and are never dropped;
ordinary chat passes a token bucket (LIVESTREAM_CHAT_REPLIES_PER_MINUTE) and then waits in a queue of
LIVESTREAM_QUEUE_SIZE: when either is full the chat is dropped and counted. Every event that was
accepted (queued) is answered before the stream closes, so an acknowledgement is a promise.

A dropped chat is not answered but still remembered (saved in batches, one embedding pass per batch),
so a viewer the persona never had time to answer is still recognised next stream; beyond
UNANSWERED_BACKLOG unsaved chats, more are counted as forgotten instead of piling up in memory.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from bot.api.ratelimit import RateLimiter
from bot.conversation import ConversationService
from bot.livestream.events import LiveEvent, LiveReply, is_returning, opening_lines
from bot.personas import Persona
from bot.telemetry.tracing import span
from memory.clock import utcnow
from memory.types import Memory, MemoryFilter, MemoryInput

log = logging.getLogger("omoide.livestream")
Publish = Callable[[LiveReply], Awaitable[None]]
DropReason = Literal["rate_limited", "queue_full", "privacy_code"]  # privacy_code: bot.livestream.codes
UNANSWERED_BACKLOG = 2000  # dropped chats waiting to be saved
UNANSWERED_BATCH = 64
UNANSWERED_PAUSE = 0.5  # seconds between batches, so a burst is saved in a few passes
# the stream's chats are one conversation: each turn is indexed with the chat before it (memory.turn_text),
# as a Discord channel's turns are
LIVE_SESSION = "livestream"


@dataclass(slots=True)
class Job:
    event: LiveEvent
    last: Memory | None  # the viewer's newest memory when the event arrived (None: a new viewer)
    done: asyncio.Future[LiveReply | None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    # where it was submitted (request id, trace): the answer runs in it, so its log lines and span belong there
    context: contextvars.Context = field(default_factory=contextvars.copy_context)


@dataclass(slots=True)
class Outcome:
    """What happened to an event at the door: a job to wait on, or why it was dropped."""

    job: Job | None
    dropped: DropReason | None = None


class Stream:
    def __init__(self, persona: Persona, conversation: ConversationService, publish: Publish, *,
                 replies_per_minute: int, burst: int, queue_size: int, welcome_back_minutes: int,
                 intercept: Callable[[LiveEvent], bool] | None = None) -> None:
        self.persona = persona
        self.intercept = intercept  # True: the event is a command for the bot, not chat for the persona
        self.conversation = conversation
        self.publish = publish
        self.queue_size = queue_size
        self.welcome_back_minutes = welcome_back_minutes
        self.gate = RateLimiter(replies_per_minute, burst)
        self._paid: deque[Job] = deque()
        self._chat: deque[Job] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._worker: asyncio.Task[None] | None = None
        self._unanswered: list[MemoryInput] = []
        self._saver: asyncio.Task[None] | None = None
        self.counts: Counter[str] = Counter()  # received, answered, failed, dropped_*, type:*, unanswered_*

    @property
    def waiting(self) -> tuple[int, int]:
        """(paid, chat) events waiting to be answered."""
        return len(self._paid), len(self._chat)

    async def viewer_memory(self, user_id: str) -> Memory | None:
        """The viewer's newest memory in this persona's cube (None: never seen)."""
        conv = self.conversation
        page = await conv.engine.list(MemoryFilter(tenant=conv.tenant, cube=self.persona.cube, user_id=user_id),
                                      limit=1)
        return page.memories[0] if page.memories else None

    def submit(self, event: LiveEvent, last: Memory | None) -> Outcome:
        """Queue the event, or drop ordinary chat when the answer rate or the queue is used up."""
        self.counts["received"] += 1
        self.counts[f"type:{event.type}"] += 1
        if self.intercept is not None and not event.paid and self.intercept(event):
            self.counts["privacy_codes"] += 1
            return Outcome(None, "privacy_code")
        if not event.paid:
            if self.gate.take("chat") != 0:
                return self._drop(event, "rate_limited")
            if len(self._chat) >= self.queue_size:
                return self._drop(event, "queue_full")
        job = Job(event, last)
        (self._paid if event.paid else self._chat).append(job)
        self.counts["queued"] += 1
        self._idle.clear()
        self._wake.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._run(), context=contextvars.Context(),
                                                                  name=f"livestream:{self.persona.memory_id}")
        return Outcome(job)

    def _drop(self, event: LiveEvent, reason: DropReason) -> Outcome:
        self.counts[f"dropped_{reason}"] += 1
        if len(self._unanswered) >= UNANSWERED_BACKLOG:
            self.counts["unanswered_forgotten"] += 1
        else:
            scope = self.conversation.scope(self.persona, event.user_id, LIVE_SESSION)
            self._unanswered.append(MemoryInput(scope=scope, user_message=event.spoken_text(self.persona.language),
                                                tags=["livestream", "unanswered"],
                                                metadata={**self._metadata(event), "dropped": reason}))
            if self._saver is None or self._saver.done():
                self._saver = asyncio.get_running_loop().create_task(self._save_unanswered())
        return Outcome(None, reason)

    async def _save_unanswered(self) -> None:
        while self._unanswered:
            await asyncio.sleep(UNANSWERED_PAUSE)
            batch, self._unanswered = self._unanswered[:UNANSWERED_BATCH], self._unanswered[UNANSWERED_BATCH:]
            try:
                result = await self.conversation.engine.save_batch(batch)
            except Exception:
                log.exception("livestream %s: could not save %d unanswered chats", self.persona.memory_id, len(batch))
                self.counts["unanswered_forgotten"] += len(batch)
                continue
            self.counts["unanswered_remembered"] += len(result.saved)
            self.counts["unanswered_forgotten"] += len(result.failed)

    @staticmethod
    def _metadata(ev: LiveEvent) -> dict[str, object]:
        meta: dict[str, object] = {"source": "livestream", "platform": ev.platform, "viewer_name": ev.viewer_name,
                                   "event_type": ev.type, "event_id": ev.event_id,
                                   "event_time": ev.timestamp.isoformat()}
        if ev.amount is not None:
            meta["amount"] = ev.amount
        if ev.currency:
            meta["currency"] = ev.currency
        return meta

    async def _run(self) -> None:
        while True:
            if not self._paid and not self._chat:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            job = self._paid.popleft() if self._paid else self._chat.popleft()
            try:
                reply = await asyncio.get_running_loop().create_task(self._traced_answer(job), context=job.context)
            except asyncio.CancelledError:
                job.done.cancel()
                raise
            except Exception:
                log.exception("livestream %s: could not answer event %s", self.persona.memory_id, job.event.event_id)
                self.counts["failed"] += 1
                if not job.done.done():
                    job.done.set_result(None)
                continue
            self.counts["answered"] += 1
            if not job.done.done():
                job.done.set_result(reply)
            try:
                await self.publish(reply)
            except Exception:
                log.exception("livestream %s: could not push a reply", self.persona.memory_id)

    async def _traced_answer(self, job: Job) -> LiveReply:
        """One span per event (no viewer id or message in it), its recall, LLM call and save as children."""
        ev = job.event
        with span("livestream event", {"omoide.persona": self.persona.memory_id, "omoide.livestream.type": ev.type,
                                       "omoide.livestream.platform": ev.platform, "omoide.livestream.paid": ev.paid}):
            return await self.answer(job)

    async def answer(self, job: Job) -> LiveReply:
        """Answer through the conversation service (recall -> LLM or built-in companion -> save the turn)."""
        ev, persona = job.event, self.persona
        welcome = is_returning(job.last, utcnow(), self.welcome_back_minutes)
        # disclose=False: the reply is read aloud on stream, so no note about the model goes into it
        reply = await self.conversation.reply(persona, ev.user_id, ev.spoken_text(persona.language),
                                              user_name=ev.viewer_name, session_id=LIVE_SESSION,
                                              metadata=self._metadata(ev), disclose=False)
        opening = opening_lines(persona, ev, job.last, welcome)
        # a paid event without words: the thanks is the answer (the companion has nothing to answer)
        answer = [] if opening and not reply.used_llm and not ev.message.strip() else [reply.text]
        text = "\n".join([*opening, *answer])
        return LiveReply(ev, text, reply.emotions, len(reply.recalled), job.last is not None, welcome, reply.used_llm)

    async def unanswered_saved(self) -> None:
        """Return once the chats dropped so far are saved (or counted as forgotten)."""
        if self._saver is not None:
            await asyncio.gather(self._saver, return_exceptions=True)

    # `timeout` is a grace period, not a deadline on the call: what still runs after it is cancelled and
    # awaited, which an asyncio.timeout around the call would skip (hence the noqa)
    async def close(self, timeout: float) -> None:  # noqa: ASYNC109
        """Answer what was accepted (up to `timeout` seconds), save the unanswered chats, stop the worker."""
        await self.unanswered_saved()
        if self._worker is None:
            return
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            paid, chat = self.waiting
            log.warning("livestream %s: closing with %d paid and %d chat events unanswered",
                        self.persona.memory_id, paid, chat)
        self._worker.cancel()
        await asyncio.gather(self._worker, return_exceptions=True)
        for job in (*self._paid, *self._chat):
            job.done.cancel()


class Streams:
    """The streams of a process, one per persona, made on first use."""

    def __init__(self, factory: Callable[[Persona], Stream]) -> None:
        self.factory = factory
        self._streams: dict[str, Stream] = {}

    def get(self, persona: Persona) -> Stream:
        stream = self._streams.get(persona.memory_id)
        if stream is None:
            stream = self._streams[persona.memory_id] = self.factory(persona)
        return stream

    def peek(self, memory_id: str) -> Stream | None:
        return self._streams.get(memory_id)

    async def close(self, timeout: float) -> None:  # noqa: ASYNC109 (a grace period: see Stream.close)
        await asyncio.gather(*(s.close(timeout) for s in self._streams.values()))
