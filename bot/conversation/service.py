"""ConversationService: recall -> prompt -> LLM (with memory tools) -> remember the turn pair.

Scope of everything: tenant + the persona's cube + the user, so a persona never sees another persona's
memories and a user never sees another user's. The reply is returned before the turn is saved: the
save (with an LLM-written summary when a model is configured) runs in the background and `drain()`
waits for it (shutdown calls it, so no turn is lost).

Without a model (none set, or it failed) the built-in companion answers (bot/llm/responder.py); its
words are never saved as what the persona said (the turn keeps the user's message alone), and the note
that no model is set comes once per user per day, never when `disclose` is off (a stream read aloud).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from bot.conversation.prompt import build_messages, clean_summary, summary_messages
from bot.discord.ui.locale import detect_language
from bot.llm.client import LLMClient, LLMError
from bot.llm.responder import companion_reply, note
from bot.llm.routing import ModelRouter
from bot.llm.tools import MemoryToolbox, tool_definitions
from bot.personas import Persona
from bot.telemetry.metrics import LLM_FALLBACKS
from config.timezones import resolve_timezone
from memory.clock import utcnow
from memory.engine import MemoryEngine
from memory.types import Emotion, Memory, MemoryFilter, Scope, SearchHit

if TYPE_CHECKING:
    from config import Settings

log = logging.getLogger("omoide.conversation")

MAX_TOOL_ROUNDS = 4
NOTED_USERS = 10_000  # users whose no-model note was shown today, kept in memory (bounded)


@dataclass(slots=True)
class Reply:
    text: str
    persona: Persona
    recalled: list[SearchHit]
    emotions: list[Emotion]
    used_llm: bool
    llm_error: str | None = None
    language: str = "ja"  # the language the reply is in
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    saved: asyncio.Task[Memory | None] | None = None

    async def saved_memory(self) -> Memory | None:
        return await self.saved if self.saved is not None else None


class ConversationService:
    def __init__(self, engine: MemoryEngine, llm: LLMClient | None, *, tenant: str = "default", recall_top_k: int = 5,
                 history_turns: int = 6, tools: bool = True, settings: Settings | None = None,
                 clock: Callable[[], datetime] = utcnow, timezone: tzinfo = UTC) -> None:
        self.engine = engine
        self.timezone = timezone  # of the prompt's "today" when the caller names no zone
        self.llm = llm
        self.models = ModelRouter(llm, settings)
        self.clock = clock
        self._noted: OrderedDict[tuple[str, str], date] = OrderedDict()
        self.tenant = tenant
        self.recall_top_k = recall_top_k
        self.history_turns = history_turns
        self.tools = tools
        self._pending: set[asyncio.Task[Memory | None]] = set()
        self._pending_by_scope: dict[Scope, asyncio.Task[Memory | None]] = {}

    @classmethod
    def from_settings(cls, engine: MemoryEngine, llm: LLMClient | None, settings: Settings) -> ConversationService:
        return cls(engine, llm, recall_top_k=settings.recall_top_k, history_turns=settings.chat_history_turns,
                   tools=settings.llm_tools, settings=settings, timezone=resolve_timezone(settings.timezone))

    def scope(self, persona: Persona, user_id: str, session_id: str | None = None) -> Scope:
        return Scope(tenant=self.tenant, cube=persona.cube, user_id=user_id, session_id=session_id)

    async def recall(self, persona: Persona, user_id: str, query: str, top_k: int | None = None) -> list[SearchHit]:
        f = MemoryFilter(tenant=self.tenant, cube=persona.cube, user_id=user_id)
        return await self.engine.search(query, f, top_k=top_k or self.recall_top_k)

    async def recent_turns(self, persona: Persona, user_id: str, session_id: str | None) -> list[Memory]:
        if self.history_turns == 0:
            return []
        f = MemoryFilter(tenant=self.tenant, cube=persona.cube, user_id=user_id, session_id=session_id, kind="turn")
        page = await self.engine.list(f, limit=self.history_turns)
        return list(reversed(page.memories))

    def language_of(self, persona: Persona, message: str, language: str | None) -> str:
        """The caller's choice, else the message's own language, else the persona's."""
        return language or detect_language(message) or persona.language

    def first_today(self, user_id: str) -> bool:
        """True once per user per day (by the service's clock): when the no-model note is shown."""
        key, today = (self.tenant, user_id), self.clock().date()
        if self._noted.get(key) == today:
            return False
        self._noted[key] = today
        self._noted.move_to_end(key)
        while len(self._noted) > NOTED_USERS:
            self._noted.popitem(last=False)
        return True

    async def reply(self, persona: Persona, user_id: str, message: str, *, user_name: str,
                    session_id: str | None = None, metadata: dict[str, Any] | None = None,
                    save: bool = True, language: str | None = None, disclose: bool = True,
                    tz: tzinfo | None = None) -> Reply:
        """Answer `message` as `persona` using what is remembered about `user_id`, then remember the turn.

        `language` is the reply language (else detected from the message, else the persona's);
        `disclose=False` keeps notes about the model out of the reply (a livestream reads it aloud);
        `tz` is the user's time zone (the prompt's "today"), TIMEZONE when not given."""
        scope = self.scope(persona, user_id, session_id)
        lang = self.language_of(persona, message, language)
        earlier = self._pending_by_scope.get(scope)
        if earlier is not None:  # the previous turn is still being saved: recall must see it
            await asyncio.gather(earlier, return_exceptions=True)
        hits, recent = await asyncio.gather(self.recall(persona, user_id, message),
                                            self.recent_turns(persona, user_id, session_id))
        recent_ids = {m.id for m in recent}
        memories = [h.memory for h in hits if h.memory.id not in recent_ids]
        text, used_llm, error, calls = "", False, None, []
        now = self.clock().astimezone(tz or self.timezone)  # "today" and "yesterday" are the person's
        llm = self.models.client_for(persona)
        if llm is not None:
            toolbox = MemoryToolbox(self.engine, scope, actor=f"llm:{persona.memory_id}")
            try:
                text = await self._ask(llm, persona, user_name, message, memories, recent, toolbox, lang, now)
                used_llm = True
            except LLMError as exc:
                error = f"{exc.kind}: {exc}"
                LLM_FALLBACKS.inc()
                log.warning("llm unavailable, the built-in companion answers: %s", error)
            calls = toolbox.calls
        analyzer = self.engine.enricher.analyzer
        scores = await asyncio.to_thread(analyzer.analyze_turn, message, text if used_llm else None)
        emotions = [Emotion(s.label, round(float(s.score), 4)) for s in scores]
        if not used_llm:
            text = companion_reply(persona, user_name, message, lang, hits, emotions, now=now)
            if disclose and error:
                text += "\n" + note(lang, "llm_down_note", persona)
            elif disclose and self.first_today(user_id):
                text += "\n" + note(lang, "no_llm_note", persona)
        reply = Reply(text, persona, hits, emotions, used_llm, error, lang, calls)
        if save:
            # user_name: the turn's speaker (memory.turn_text), as Discord and the livestream already give it
            meta = {"persona": persona.memory_id, "source": "chat", "user_name": user_name, **(metadata or {})}
            task = asyncio.get_running_loop().create_task(
                self._remember(llm, persona, scope, message, text if used_llm else None, emotions, meta))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
            self._pending_by_scope[scope] = task
            task.add_done_callback(functools.partial(self._saved, scope))
            reply.saved = task
        return reply

    def _saved(self, scope: Scope, task: asyncio.Task[Memory | None]) -> None:
        """A scope's save is done: the next reply there need not wait for it (unless a newer one started)."""
        if self._pending_by_scope.get(scope) is task:
            del self._pending_by_scope[scope]

    async def _ask(self, llm: LLMClient, persona: Persona, user_name: str, message: str, memories: list[Memory],
                   recent: list[Memory], toolbox: MemoryToolbox, language: str, now: datetime) -> str:
        tools = tool_definitions() if self.tools else None
        messages = build_messages(persona, user_name, message, memories, recent, now=now, tools=bool(tools),
                                  language=language)
        for _ in range(MAX_TOOL_ROUNDS):
            try:
                result = await llm.chat(messages, tools=tools)
            except LLMError as exc:
                if tools and exc.kind == "client" and exc.status in (400, 422):
                    log.warning("llm server refused the tools (%s); continuing without tools", exc.status)
                    tools = None
                    self.tools = False
                    messages[0]["content"] = build_messages(persona, user_name, message, memories, recent,
                                                            now=now, tools=False, language=language)[0]["content"]
                    continue
                raise
            if not result.tool_calls:
                if not result.content:
                    raise LLMError("bad_response", "the model returned an empty reply")
                return result.content
            messages.append({"role": "assistant", "content": result.content or "",
                             "tool_calls": [{"id": c.id, "type": "function",
                                             "function": {"name": c.name, "arguments": c.arguments}}
                                            for c in result.tool_calls]})
            for call in result.tool_calls:
                out = await toolbox.run(call.name, call.arguments)
                messages.append({"role": "tool", "tool_call_id": call.id,
                                 "content": json.dumps(out, ensure_ascii=False)})
        result = await llm.chat(messages)
        if not result.content:
            raise LLMError("bad_response", "the model returned an empty reply after using tools")
        return result.content

    async def _remember(self, llm: LLMClient | None, persona: Persona, scope: Scope, message: str,
                        ai_message: str | None, emotions: list[Emotion], metadata: dict[str, Any]) -> Memory | None:
        summary = None
        if llm is not None and ai_message is not None:
            try:
                result = await llm.chat(summary_messages(persona, message, ai_message), max_tokens=120,
                                             temperature=0.2)
                summary = clean_summary(result.content)
            except LLMError as exc:
                log.info("llm summary failed (%s); keeping the extractive summary", exc.kind)
        try:
            saved = await self.engine.save_turn(scope, message, ai_message, emotions=emotions, summary=summary,
                                                metadata=metadata, tags=["chat"])
        except Exception:
            log.exception("could not save the turn for persona %s", persona.memory_id)
            return None
        return saved.memory

    async def remember_pair(self, persona: Persona, user_id: str, message: str, ai_message: str | None, *,
                            session_id: str | None, metadata: dict[str, Any]) -> Memory:
        """Passive learning: save a user's message with the bot's reply it follows (None: the message alone,
        e.g. after the built-in companion's reply, which is not remembered as the persona's words)."""
        saved = await self.engine.save_turn(self.scope(persona, user_id, session_id), message, ai_message,
                                            metadata=metadata, tags=["learned"])
        return saved.memory

    async def drain(self) -> None:
        """Wait for background saves (called at shutdown and by tests)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def close(self) -> None:
        """Close the clients of personas with models of their own (the default one is the caller's)."""
        await self.models.close()
