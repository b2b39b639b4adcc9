"""A small OpenAI-protocol chat-completions server on 127.0.0.1 (a test fixture, not product code).

Tests queue what the next requests get (a reply, tool calls, a status with headers, a stall); with an
empty queue it answers like a polite model: summaries for summary prompts, else a reply that quotes the
system prompt's memory lines so tests can see what was recalled.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Step:
    content: str | None = None
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    stall: bool = False  # never answer (until the server stops): the client must time out
    body: str | None = None  # raw body (status != 200 or a malformed answer)


class FakeLLM:
    """`models`: what GET /v1/models (llama.cpp, OpenAI) lists; `ollama=True` also serves Ollama's
    GET /api/tags, so the server looks like Ollama to a probe."""

    def __init__(self, models: tuple[str, ...] = ("test-model",), *, ollama: bool = False) -> None:
        self.models = models
        self.ollama = ollama
        self.script: list[Step] = []
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""  # the OpenAI-compatible root (LLM_BASE_URL)
        self.root_url = ""  # the server itself (what the start-up probe is pointed at)

    async def start(self) -> FakeLLM:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        app.router.add_get("/v1/models", self._models)
        if self.ollama:
            app.router.add_get("/api/tags", self._tags)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.root_url = f"http://127.0.0.1:{port}"
        self.base_url = f"{self.root_url}/v1"
        return self

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": m, "object": "model"} for m in self.models]})

    async def _tags(self, request: web.Request) -> web.Response:
        return web.json_response({"models": [{"name": m, "model": m, "size": 1_900_000_000} for m in self.models]})

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def then(self, *steps: Step) -> None:
        self.script.extend(steps)

    def chat_requests(self) -> list[dict[str, Any]]:
        """Requests that were conversation turns (not summary requests)."""
        return [r for r in self.requests if not _is_summary(r)]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        step = self.script.pop(0) if self.script else self._default(body)
        if step.stall:
            await self._release.wait()
            return web.Response(status=503)
        if step.status != 200 or step.body is not None:
            return web.Response(status=step.status, headers=step.headers, text=step.body or "{}",
                                content_type="application/json")
        message: dict[str, Any] = {"role": "assistant", "content": step.content}
        if step.tool_calls:
            message["tool_calls"] = [{"id": f"call_{len(self.requests)}_{i}", "type": "function",
                                      "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)}}
                                     for i, (name, args) in enumerate(step.tool_calls)]
        finish = "tool_calls" if step.tool_calls else "stop"
        return web.json_response({"id": "chatcmpl-test", "object": "chat.completion", "model": body.get("model"),
                                  "choices": [{"index": 0, "message": message, "finish_reason": finish}]})

    @staticmethod
    def _default(body: dict[str, Any]) -> Step:
        if _is_summary(body):
            user = body["messages"][-1]["content"].splitlines()[0].removeprefix("User: ")
            return Step(content=f"SUMMARY: {user[:60]}")
        system = body["messages"][0]["content"]
        last = body["messages"][-1]["content"]
        recalled = [line for line in system.splitlines() if line[:1].isdigit() and ". [" in line]
        return Step(content=f"LLM reply to: {last} | recalled: {' / '.join(recalled) or 'nothing'}")


def _is_summary(body: dict[str, Any]) -> bool:
    first = body["messages"][0]["content"]
    return "Summarize" in first or "要約" in first
