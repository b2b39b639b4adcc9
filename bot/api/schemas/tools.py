"""Memory Tools (seed 003): the function definitions `GET /v1/tools` answers (the tools' parameters and
results are defined once in bot.memory_tools.models)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel


class FunctionDef(BaseModel):
    name: str
    description: str
    parameters: dict[str, Any]


class ToolDef(BaseModel):
    type: Literal["function"] = "function"
    function: FunctionDef


class ToolList(BaseModel):
    tools: list[ToolDef]
