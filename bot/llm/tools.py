"""The six Memory Tools offered to the chat's model (function calling), run within ONE caller's scope
(tenant + persona cube + user). They are defined once in `bot.memory_tools`, shared with the HTTP routes
and the MCP server; this module names what the conversation service uses."""

from __future__ import annotations

from typing import Any

from bot.memory_tools.catalog import function_definitions
from bot.memory_tools.toolbox import MemoryToolbox, error_body

__all__ = ["MemoryToolbox", "error_body", "tool_definitions"]


def tool_definitions() -> list[dict[str, Any]]:
    """The OpenAI `tools` array: one JSON-schema function per memory tool."""
    return function_definitions()
