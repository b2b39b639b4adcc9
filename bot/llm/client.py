"""OpenAI-compatible chat-completions client (OpenAI, Ollama, llama.cpp server, vLLM, LM Studio).

Why a small client on aiohttp rather than an SDK: the bot already runs aiohttp, and what we need is one
POST with a timeout and tool calls. Retries (timeouts, 429, 5xx) are tenacity's: exponential backoff
with jitter, or the server's 429 Retry-After when it gives one (up to a cap, past which we fail fast so
a Discord user is not left waiting). The caller may hand in its own `aiohttp.ClientSession` (shared
connection pool, its own connector settings); the client then never closes it.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import aiohttp
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

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
                 max_tokens: int = 512, backoff_base: float = 0.5,
                 session: aiohttp.ClientSession | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url + "/chat/completions"
        self.model = model
        self._api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.backoff_base = backoff_base
        self._session: aiohttp.ClientSession | None = session
        self._owns_session = session is None

    @classmethod
    def from_settings(cls, settings: Settings, *, base_url: str | None = None, model: str | None = None,
                      session: aiohttp.ClientSession | None = None) -> LLMClient | None:
        """The client LLM_BASE_URL/LLM_MODEL name (or `base_url`/`model`, e.g. a detected local server)."""
        base_url = base_url or settings.llm_base_url
        model = model or settings.llm_model
        if not base_url or not model:  # Settings require both or neither
            return None
        key = None  # LLM_API_KEY goes to LLM_BASE_URL only
        if settings.llm_api_key and base_url == settings.llm_base_url:
            key = settings.llm_api_key.get_secret_value()
        return cls(base_url, model, api_key=key, timeout=settings.llm_timeout_seconds,
                   max_retries=settings.llm_max_retries, max_retry_after=settings.llm_max_retry_after,
                   temperature=settings.llm_temperature, max_tokens=settings.llm_max_tokens, session=session)

    @property
    def api_key(self) -> str | None:
        return self._api_key

    def derive(self, *, base_url: str | None = None, model: str | None = None, temperature: float | None = None,
               api_key: str | None = None) -> LLMClient:
        """A client for another server or model with this one's limits. This one's key goes along only to
        the same server; an injected session is shared."""
        url = (base_url or self.base_url).rstrip("/")
        key = api_key if api_key is not None else (self._api_key if url == self.base_url else None)
        return LLMClient(url, model or self.model, api_key=key, timeout=self.timeout, max_retries=self.max_retries,
                         max_retry_after=self.max_retry_after,
                         temperature=self.temperature if temperature is None else temperature,
                         max_tokens=self.max_tokens, backoff_base=self.backoff_base,
                         session=None if self._owns_session else self._session)

    def __repr__(self) -> str:  # never shows the key
        return f"LLMClient(url={self.url!r}, model={self.model!r})"

    async def close(self) -> None:
        """Close the session this client made (an injected one belongs to the caller)."""
        if self._session is not None and self._owns_session:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or (self._session.closed and self._owns_session):
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        return self._session

    def _headers(self) -> dict[str, str]:
        """Per request, so a shared session never carries this server's key to another one."""
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

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
        retrying = AsyncRetrying(retry=retry_if_exception_type(_Retryable),
                                 stop=stop_after_attempt(self.max_retries + 1), wait=self._wait,
                                 before_sleep=self._log_retry, reraise=True)
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._post(body)
        except _Retryable as exc:
            raise exc.error from None
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        """The server's Retry-After when it gave one, else exponential backoff with jitter."""
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return exc.retry_after
        return self.backoff_base * 2.0 ** (state.attempt_number - 1) + random.uniform(0, self.backoff_base)

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        log.warning("llm request failed (%s); retry %d/%d in %.1fs", exc, state.attempt_number, self.max_retries,
                    delay)

    async def _post(self, body: dict[str, Any]) -> ChatResult:
        try:
            async with self._http().post(self.url, json=body, headers=self._headers(),
                                         timeout=aiohttp.ClientTimeout(total=self.timeout)) as resp:
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
