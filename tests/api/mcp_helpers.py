"""Talk to Omoide's MCP server with the SDK's own client, as an agent framework would."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult


@asynccontextmanager
async def http_mcp(base_url: str, key: str, **headers: str) -> AsyncIterator[Client]:
    """An MCP client over streamable HTTP with the API key as a bearer token (and any scope headers)."""
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}", **headers}, timeout=120)
    async with http, Client(streamable_http_client(f"{base_url}/mcp", http_client=http)) as client:
        yield client


def body(result: CallToolResult) -> dict[str, Any]:
    """The tool's JSON as every client shows it to the model (the text content), checked against the
    structured copy."""
    text = json.loads(result.content[0].text)  # type: ignore[union-attr]
    assert result.structured_content == text
    return text


async def call(client: Client, name: str, **arguments: Any) -> dict[str, Any]:
    return body(await client.call_tool(name, arguments))
