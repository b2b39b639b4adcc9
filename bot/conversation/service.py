"""ConversationService: recall -> prompt -> LLM (with memory tools) -> remember the turn pair.

Scope of everything: tenant + the persona's cube + the user, so a persona never sees another persona's
memories and a user never sees another user's. The reply is returned before the turn is saved: the
save (with an LLM-written summary when a model is configured) runs in the background and `drain()`
waits for it (shutdown calls it, so no turn is lost).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from bot.conversation.prompt import build_messages, clean_summary, summary_messages
from bot.llm.client import LLMClient, LLMError
from bot.llm.responder import builtin_reply
from bot.llm.tools import MemoryToolbox, tool_definitions
from bot.personas import Persona
from config.timezones import resolve_timezone
from memory.clock import utcnow
from memory.engine import MemoryEngine
from memory.types import Emotion, Memory, MemoryFilter, Scope, SearchHit

if TYPE_CHECKING:
    from config import Settings

log = logging.getLogger("omoide.conversation")

MAX_TOOL_ROUNDS = 4
RELATED_SCORE = 0.5  # memory.search: score >= 0.5 reads as "probably related"
LLM_DOWN_NOTE = {"ja": "（いま言語モデルが応答しないので、覚えていることをお伝えしています）",
                 "en": "(The language model is not answering right now, so here is what I remember.)"}


@dataclass(slots=True)
class Reply:
    text: str
    persona: Persona
    recalled: list[SearchHit]
    emotions: list[Emotion]
    used_llm: bool
    llm_error: str | None = None
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    saved: asyncio.Task[Memory | None] | None = None

    async def saved_memory(self) -> Memory | None:
        return await self.saved if self.saved is not None else None


class ConversationService:
    def __init__(self, engine: MemoryEngine, llm: LLMClient | None, *, tenant: str = "default", recall_top_k: int = 5,
                 history_turns: int = 6, tools: bool = True, timezone: tzinfo = UTC) -> None:
        self.engine = engine
        self.timezone = timezone  # of the prompt's "today" when the caller names no zone
        self.llm = llm
        self.tenant = tenant
        self.recall_top_k = recall_top_k
        self.history_turns = history_turns
        self.tools = tools
        self._pending: set[asyncio.Task[Memory | None]] = set()
        self._pending_by_scope: dict[Scope, asyncio.Task[Memory | None]] = {}

    @classmethod
    def from_settings(cls, engine: MemoryEngine, llm: LLMClient | None, settings: Settings) -> ConversationService:
        return cls(engine, llm, recall_top_k=settings.recall_top_k, history_turns=settings.chat_history_turns,
                   tools=settings.llm_tools, timezone=resolve_timezone(settings.timezone))

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

    async def reply(self, persona: Persona, user_id: str, message: str, *, user_name: str,
                    session_id: str | None = None, metadata: dict[str, Any] | None = None,
                    save: bool = True, tz: tzinfo | None = None) -> Reply:
        """Answer `message` as `persona` using what is remembered about `user_id`, then remember the turn.
        `tz`: the user's time zone (the prompt's "today"); TIMEZONE when not given."""
        scope = self.scope(persona, user_id, session_id)
        earlier = self._pending_by_scope.get(scope)
        if earlier is not None:  # the previous turn is still being saved: recall must see it
            await asyncio.gather(earlier, return_exceptions=True)
        hits, recent = await asyncio.gather(self.recall(persona, user_id, message),
                                            self.recent_turns(persona, user_id, session_id))
        recent_ids = {m.id for m in recent}
        memories = [h.memory for h in hits if h.memory.id not in recent_ids]
        text, used_llm, error, calls = "", False, None, []
        if self.llm is not None:
            toolbox = MemoryToolbox(self.engine, scope, actor=f"llm:{persona.memory_id}")
            try:
                now = utcnow().astimezone(tz or self.timezone)
                text = await self._ask(persona, user_name, message, memories, recent, toolbox, now)
                used_llm = True
            except LLMError as exc:
                error = f"{exc.kind}: {exc}"
                log.warning("llm unavailable, answering from memories: %s", error)
            calls = toolbox.calls
        if not used_llm:
            note = LLM_DOWN_NOTE[persona.language] if error else None
            related = [h.memory for h in hits if h.score >= RELATED_SCORE] or [h.memory for h in hits[:1]]
            text = builtin_reply(persona, user_name, related, note)
        analyzer = self.engine.enricher.analyzer
        scores = await asyncio.to_thread(analyzer.analyze_turn, message, text if used_llm else None)
        emotions = [Emotion(s.label, round(float(s.score), 4)) for s in scores]
        reply = Reply(text, persona, hits, emotions, used_llm, error, calls)
        if save:
            meta = {"persona": persona.memory_id, "source": "chat", **(metadata or {})}
            task = asyncio.get_running_loop().create_task(
                self._remember(persona, scope, message, text if used_llm else None, emotions, meta))
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

    async def _ask(self, persona: Persona, user_name: str, message: str, memories: list[Memory],
                   recent: list[Memory], toolbox: MemoryToolbox, now: datetime) -> str:
        assert self.llm is not None
        tools = tool_definitions() if self.tools else None
        messages = build_messages(persona, user_name, message, memories, recent, now=now, tools=bool(tools))
        for _ in range(MAX_TOOL_ROUNDS):
            try:
                result = await self.llm.chat(messages, tools=tools)
            except LLMError as exc:
                if tools and exc.kind == "client" and exc.status in (400, 422):
                    log.warning("llm server refused the tools (%s); continuing without tools", exc.status)
                    tools = None
                    self.tools = False
                    messages[0]["content"] = build_messages(persona, user_name, message, memories, recent,
                                                            now=now, tools=False)[0]["content"]
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
        result = await self.llm.chat(messages)
        if not result.content:
            raise LLMError("bad_response", "the model returned an empty reply after using tools")
        return result.content

    async def _remember(self, persona: Persona, scope: Scope, message: str, ai_message: str | None,
                        emotions: list[Emotion], metadata: dict[str, Any]) -> Memory | None:
        summary = None
        if self.llm is not None and ai_message is not None:
            try:
                result = await self.llm.chat(summary_messages(persona, message, ai_message), max_tokens=120,
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
        """Passive learning: save a user's message with the bot's reply it follows (None: the message alone)."""
        saved = await self.engine.save_turn(self.scope(persona, user_id, session_id), message, ai_message,
                                            metadata=metadata, tags=["learned"])
        return saved.memory

    async def drain(self) -> None:
        """Wait for background saves (called at shutdown and by tests)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
