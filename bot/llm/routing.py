"""Which model answers for a persona: the persona file's own `llm_base_url` / `llm_model` /
`temperature` (each character may use its own model, as in SillyTavern), falling back to LLM_* for
what it leaves out. Clients are made on first use and reused; a persona with no server to reach gets
None (the built-in companion answers for it).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from bot.llm.client import LLMClient
from bot.personas import Persona

log = logging.getLogger("omoide.llm")


class ModelRouter:
    def __init__(self, default: LLMClient | None, settings: Any | None = None) -> None:
        self.default = default
        self.settings = settings
        self._own: dict[str, LLMClient | None] = {}

    def client_for(self, persona: Persona) -> LLMClient | None:
        if not persona.own_model:
            return self.default
        if persona.memory_id not in self._own:
            self._own[persona.memory_id] = self._build(persona)
        return self._own[persona.memory_id]

    def _build(self, persona: Persona) -> LLMClient | None:
        template = self.default
        if template is None and persona.llm_base_url:
            template = (LLMClient.from_settings(self.settings, base_url=persona.llm_base_url, model=persona.llm_model)
                        if self.settings is not None else LLMClient(persona.llm_base_url, persona.llm_model or ""))
        if template is None:
            log.warning("persona %s names llm_model or temperature but no llm_base_url, and LLM_BASE_URL is empty: "
                        "the built-in companion answers for it", persona.memory_id)
            return None
        key = (os.environ.get(persona.llm_api_key_env) or None) if persona.llm_api_key_env else None
        client = template.derive(base_url=persona.llm_base_url, model=persona.llm_model,
                                 temperature=persona.temperature, api_key=key)
        log.info("persona %s answers with its own model settings: %s at %s", persona.memory_id, client.model,
                 client.base_url)
        return client

    def describe(self, persona: Persona) -> str | None:
        """The name of the persona's model (never its server: users see it), None for the companion."""
        client = self.client_for(persona)
        return client.model if client else None

    async def close(self) -> None:
        for client in self._own.values():
            if client is not None:
                await client.close()
        self._own.clear()
