"""One prompt: recall what you know about this user before answering.

It is filled server-side with the user's recent memories and, given their message, the memories closest
to it, so a client that offers prompts (a slash command in Claude Desktop) starts its answer informed.
"""

from __future__ import annotations

from typing import Any

import mcp_types as types
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from bot.mcp.caller import Caller
from bot.mcp.resources import recent
from bot.memory_tools.toolbox import ToolScope

NAME = "recall_user"
RECENT = 10
RELATED = 5


def definition(caller: Caller) -> types.Prompt:
    fixed = caller.scope.user_id is not None
    return types.Prompt(
        name=NAME, title="Recall what you know about this user",
        description="Before answering, recall what this persona remembers about the user: their recent "
                    "memories and those closest to what they just said.",
        arguments=[
            types.PromptArgument(name="user_id", required=not fixed,
                                 description="Whose memories to recall" + (" (this connection's user)" if fixed
                                                                           else "")),
            types.PromptArgument(name="message", required=False,
                                 description="What the user just said (finds the memories closest to it)"),
        ])


def _line(m: dict[str, Any]) -> str:
    tags = f" #{' #'.join(m['tags'])}" if m.get("tags") else ""
    return f"- {m['created_at'][:10]} [{m['memory_tier']}] {m['content']}{tags} (id {m['id']})"


async def render(caller: Caller, arguments: dict[str, str] | None) -> types.GetPromptResult:
    args = arguments or {}
    user = caller.scope.user_id or args.get("user_id", "").strip()
    if not user:
        raise MCPError(INVALID_PARAMS, "user_id: is required (whose memories to recall)")
    if caller.scope.user_id is not None and args.get("user_id") not in (None, "", user):
        raise MCPError(INVALID_PARAMS, "user_id: this connection is limited to its own user")
    message = args.get("message", "").strip()
    newest = (await recent(caller, user, RECENT)).get("memories", [])
    related: list[dict[str, Any]] = []
    if message:
        box = caller.toolbox(ToolScope(caller.scope.tenant, caller.scope.cube, user))
        found = await box.run("memory_search", {"query": message, "top_k": RELATED, "min_similarity": 0.5})
        seen = {m["id"] for m in newest}
        related = [r for r in found.get("results", []) if r["id"] not in seen]
    parts = [f"Before you answer, recall what you know about this user ({user})."]
    parts.append("What you remember, newest first:\n" + "\n".join(_line(m) for m in newest) if newest
                 else "You have no memories of this user yet.")
    if related:
        parts.append("Memories closest to their message:\n" + "\n".join(_line(m) for m in related))
    advice = "Use these where they help, without reciting them."
    if caller.may_write:
        advice += (" If the user tells you something lasting and new, store it with memory_store; if a memory "
                   "is out of date, correct it with memory_update.")
    parts.append(advice)
    if message:
        parts.append(f"The user's message:\n{message}")
    text = "\n\n".join(parts)
    return types.GetPromptResult(description=f"What this persona remembers about {user}",
                                 messages=[types.PromptMessage(role="user", content=types.TextContent(text=text))])
