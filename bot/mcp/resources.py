"""A persona's memories as MCP resources: one memory by id, and a user's recent memories.

URIs: `omoide://memory/{id}` and `omoide://user/{user_id}/recent`. Both stay in the caller's scope (a
connection fixed to one user reads only that user); anything outside it reads as "not found".
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, unquote

import mcp_types as types
from mcp.shared.exceptions import MCPError

from bot.mcp.caller import Caller
from bot.memory_tools.toolbox import ToolScope

RESOURCE_NOT_FOUND = -32002  # the MCP spec's code for resources/read of an unknown URI
RECENT_COUNT = 20
MEMORY_URI = "omoide://memory/{id}"
RECENT_URI = "omoide://user/{user_id}/recent"
_MEMORY = re.compile(r"omoide://memory/([^/?#]+)")
_RECENT = re.compile(r"omoide://user/([^/?#]+)/recent")
JSON = "application/json"


def templates() -> list[types.ResourceTemplate]:
    return [
        types.ResourceTemplate(name="memory", uri_template=MEMORY_URI, mime_type=JSON,
                               description="One memory by id: content, tags, metadata, tier and timestamps."),
        types.ResourceTemplate(name="recent_memories", uri_template=RECENT_URI, mime_type=JSON,
                               description=f"A user's {RECENT_COUNT} most recent memories in this persona, "
                                           "newest first."),
    ]


async def listed(caller: Caller) -> list[types.Resource]:
    """The scope's most recent memories, each as a resource a client can attach to a conversation."""
    page = await caller.toolbox().run("memory_list", {"limit": RECENT_COUNT})
    return [types.Resource(uri=MEMORY_URI.format(id=m["id"]), name=_title(m["content"]), mime_type=JSON,
                           description=f"{m['memory_tier']} memory from {m['created_at'][:10]}")
            for m in page.get("memories", [])]


def _title(content: str) -> str:
    line = " ".join(content.split())
    return line if len(line) <= 60 else line[:59] + "…"


def _not_found(uri: str) -> MCPError:
    return MCPError(RESOURCE_NOT_FOUND, f"resource not found: {uri}")


async def read(caller: Caller, uri: str) -> types.ReadResourceResult:
    if m := _MEMORY.fullmatch(uri):
        body = await caller.toolbox().run("memory_get", {"id": unquote(m.group(1))})
    elif m := _RECENT.fullmatch(uri):
        user = unquote(m.group(1))
        if caller.scope.user_id is not None and user != caller.scope.user_id:
            raise _not_found(uri)
        body = await recent(caller, user)
    else:
        raise _not_found(uri)
    if body.get("error"):
        raise _not_found(uri)
    return types.ReadResourceResult(contents=[types.TextResourceContents(
        uri=uri, mime_type=JSON, text=json.dumps(body, ensure_ascii=False))])


async def recent(caller: Caller, user: str, limit: int = RECENT_COUNT) -> dict[str, Any]:
    """A user's newest memories in the caller's tenant and cube (the memory_list result)."""
    scope = ToolScope(caller.scope.tenant, caller.scope.cube, user)
    return await caller.toolbox(scope).run("memory_list", {"limit": limit})


def recent_uri(user: str) -> str:
    return RECENT_URI.format(user_id=quote(user, safe=""))
