"""Find a local model server that is already running (Ollama, llama.cpp server), so a real model is one
setting away: start-up reports what it found with the lines to put in `.env`, and uses it only when the
operator opted in (LLM_AUTODETECT=true). Both servers speak the OpenAI protocol under /v1.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.llm.client import LLMClient

log = logging.getLogger("omoide.llm")

PROBE_SECONDS = 1.5  # loopback answers in milliseconds; a busy port that never answers must not delay start-up


@dataclass(frozen=True, slots=True)
class LocalServer:
    kind: str  # "Ollama" or "llama.cpp"
    base_url: str  # the OpenAI-compatible root, what LLM_BASE_URL takes
    models: tuple[str, ...]  # what the server says it serves (may be empty for llama.cpp's /health)

    @property
    def model(self) -> str:
        """The model to ask for: the first one listed (llama.cpp serves one model whatever the name)."""
        return self.models[0] if self.models else "local"

    def settings_lines(self) -> str:
        return f"LLM_BASE_URL={self.base_url} LLM_MODEL={self.model}"


async def _get_json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as resp:
        if resp.status != 200:
            return None
        try:
            return await resp.json(content_type=None)
        except ValueError:
            return {}


async def probe_ollama(session: aiohttp.ClientSession, root: str) -> LocalServer | None:
    try:
        doc = await _get_json(session, root.rstrip("/") + "/api/tags")
    except (aiohttp.ClientError, TimeoutError):
        return None
    if not isinstance(doc, dict) or "models" not in doc:
        return None
    names = tuple(str(m.get("name") or m.get("model")) for m in doc.get("models") or [] if isinstance(m, dict))
    return LocalServer("Ollama", root.rstrip("/") + "/v1", names)


async def probe_llamacpp(session: aiohttp.ClientSession, root: str) -> LocalServer | None:
    base = root.rstrip("/")
    try:
        doc = await _get_json(session, base + "/v1/models")
        if isinstance(doc, dict) and isinstance(doc.get("data"), list):
            return LocalServer("llama.cpp", base + "/v1", tuple(str(m.get("id")) for m in doc["data"]
                                                                if isinstance(m, dict) and m.get("id")))
        health = await _get_json(session, base + "/health")
    except (aiohttp.ClientError, TimeoutError):
        return None
    if isinstance(health, dict) and health.get("status") == "ok":
        return LocalServer("llama.cpp", base + "/v1", ())
    return None


async def find_local_server(settings: Any) -> LocalServer | None:
    """The first local server that answers: Ollama at LLM_PROBE_OLLAMA_URL, then llama.cpp at
    LLM_PROBE_LLAMACPP_URL."""
    timeout = aiohttp.ClientTimeout(total=PROBE_SECONDS)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        return (await probe_ollama(session, settings.llm_probe_ollama_url)
                or await probe_llamacpp(session, settings.llm_probe_llamacpp_url))


async def client_at_start(settings: Any) -> LLMClient | None:
    """LLM_BASE_URL's client; without one, a local server when LLM_AUTODETECT is on. Either way a local
    server that answers is reported in one log line with the settings that use it."""
    if settings.llm_base_url:
        return LLMClient.from_settings(settings)
    found = await find_local_server(settings)
    if found is None:
        return None
    if found.kind == "Ollama" and not found.models:
        log.info("found Ollama at %s with no model pulled; `ollama pull qwen2.5:3b` (see README), then set %s",
                 found.base_url, LocalServer(found.kind, found.base_url, ("qwen2.5:3b",)).settings_lines())
        return None
    if settings.llm_autodetect:
        log.info("using %s found at %s with model %s (LLM_AUTODETECT=true); set %s in .env to pin it",
                 found.kind, found.base_url, found.model, found.settings_lines())
        return LLMClient.from_settings(settings, base_url=found.base_url, model=found.model)
    log.info("found %s at %s (models: %s) but no language model is set; to use it add %s to .env, "
             "or LLM_AUTODETECT=true", found.kind, found.base_url, ", ".join(found.models) or "one",
             found.settings_lines())
    return None
