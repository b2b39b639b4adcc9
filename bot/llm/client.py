"""OpenAI-compatible chat-completions client (OpenAI, Ollama, llama.cpp server, vLLM, LM Studio).

Why hand-rolled on aiohttp: the bot already runs aiohttp, and what we need is small: one POST with
timeouts, retries with exponential backoff for timeouts/429/5xx, 429 Retry-After honoured (up to a
cap, past which we fail fast so a Discord user is not left waiting), and tool calls.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import aiohttp

from bot.telemetry import metrics
from bot.telemetry.tracing import span

if TYPE_CHECKING:
    from config import Settings

log = logging.getLogger("omoide.llm")

ErrorKind = Literal["timeout", "rate_limited", "server", "client", "connection", "bad_response"]


class LLMError(Exception):
    """The model could not answer; `kind` says why (callers fall back to the built-in responder)."""

    def __init__(self, kind: ErrorKind, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


@dataclass(slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str


@dataclass(slots=True)
class ChatResult:
    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str | None = None
    message: dict[str, Any] = field(default_factory=dict)  # the assistant message, to send back with tool results


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class LLMClient:
    def __init__(self, base_url: str, model: str, *, api_key: str | None = None, timeout: float = 60.0,
                 max_retries: int = 2, max_retry_after: float = 30.0, temperature: float = 0.7,
                 max_tokens: int = 512, backoff_base: float = 0.5) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self._api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.backoff_base = backoff_base
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMClient | None:
        if not settings.llm_base_url or not settings.llm_model:  # Settings require both or neither
            return None
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        return cls(settings.llm_base_url, settings.llm_model, api_key=key, timeout=settings.llm_timeout_seconds,
                   max_retries=settings.llm_max_retries, max_retry_after=settings.llm_max_retry_after,
                   temperature=settings.llm_temperature, max_tokens=settings.llm_max_tokens)

    def __repr__(self) -> str:  # never shows the key
        return f"LLMClient(url={self.url!r}, model={self.model!r})"

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            headers = {"Content-Type": "application/json"}
            if self._api_key:
                headers["Authorization"] = f"Bearer {self._api_key}"
            self._session = aiohttp.ClientSession(headers=headers,
                                                  timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    async def chat(self, messages: list[dict[str, Any]], *, tools: list[dict[str, Any]] | None = None,
                   max_tokens: int | None = None, temperature: float | None = None) -> ChatResult:
        """One chat completion (retried as configured), counted and timed, in an "llm" span."""
        t0 = time.perf_counter()
        with span("llm", {"gen_ai.request.model": self.model, "omoide.llm.tools": bool(tools)}):
            try:
                result = await self._chat(messages, tools, max_tokens, temperature)
            except LLMError as exc:
                metrics.LLM_REQUESTS.labels(exc.kind).inc()
                raise
            finally:
                metrics.LLM_DURATION.observe(time.perf_counter() - t0)
        metrics.LLM_REQUESTS.labels("ok").inc()
        return result

    async def _chat(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None,
                    max_tokens: int | None, temperature: float | None) -> ChatResult:
        body: dict[str, Any] = {"model": self.model, "messages": messages,
                                "temperature": self.temperature if temperature is None else temperature,
                                "max_tokens": max_tokens or self.max_tokens, "stream": False}
        if tools:
            body["tools"] = tools
            body["tool_choice"] = "auto"
        attempt = 0
        while True:
            try:
                return await self._post(body)
            except _Retryable as exc:
                if attempt >= self.max_retries:
                    raise exc.error from None
                delay = exc.retry_after
                if delay is None:
                    delay = self.backoff_base * (2 ** attempt) + random.uniform(0, self.backoff_base)
                attempt += 1
                log.warning("llm request failed (%s); retry %d/%d in %.1fs", exc.error, attempt, self.max_retries,
                            delay)
                await asyncio.sleep(delay)

    async def _post(self, body: dict[str, Any]) -> ChatResult:
        try:
            async with self._http().post(self.url, json=body) as resp:
                text = await resp.text()
                if resp.status == 429:
                    wait = retry_after_seconds(resp.headers.get("Retry-After"))
                    error = LLMError("rate_limited", f"rate limited (429), Retry-After={wait}", status=429)
                    if wait is not None and wait > self.max_retry_after:
                        raise LLMError("rate_limited", f"rate limited for {wait:.0f}s (more than "
                                                       f"LLM_MAX_RETRY_AFTER={self.max_retry_after:.0f}s)", status=429)
                    if wait is not None:
                        log.info("llm server asked to retry after %.1fs (Retry-After)", wait)
                    raise _Retryable(error, wait)
                if resp.status >= 500 or resp.status == 408:
                    raise _Retryable(LLMError("server", f"server error {resp.status}: {text[:200]}",
                                              status=resp.status))
                if resp.status >= 400:
                    raise LLMError("client", f"request refused ({resp.status}): {text[:300]}", status=resp.status)
        except TimeoutError:
            raise _Retryable(LLMError("timeout", f"no answer within {self.timeout:.0f}s")) from None
        except aiohttp.ClientError as exc:
            raise _Retryable(LLMError("connection", f"cannot reach {self.url}: {exc.__class__.__name__}")) from None
        return _parse(text)


class _Retryable(Exception):
    def __init__(self, error: LLMError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def _parse(text: str) -> ChatResult:
    try:
        doc = json.loads(text)
        choice = doc["choices"][0]
        message = choice["message"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LLMError("bad_response", f"not a chat-completions response: {text[:200]}") from None
    calls = []
    for i, call in enumerate(message.get("tool_calls") or []):
        fn = call.get("function") or {}
        args = fn.get("arguments", "{}")
        calls.append(ToolCall(id=str(call.get("id") or f"call_{i}"), name=str(fn.get("name", "")),
                              arguments=args if isinstance(args, str) else json.dumps(args)))
    return ChatResult(content=(message.get("content") or "").strip(), tool_calls=calls,
                      finish_reason=choice.get("finish_reason"), message=message)
