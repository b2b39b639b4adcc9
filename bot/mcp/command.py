"""The `python -m bot mcp` command line (kept apart so building the parser imports nothing heavy)."""

from __future__ import annotations

from typing import Any

ENV = {"api_key": "OMOIDE_API_KEY", "tenant": "OMOIDE_TENANT", "persona": "OMOIDE_PERSONA", "user": "OMOIDE_USER"}


def add_mcp_command(sub: Any) -> None:
    p = sub.add_parser("mcp", help="serve the memory tools over MCP on stdio (for Claude Desktop and other clients)")
    p.add_argument("--api-key", help=f"the API key (better: the {ENV['api_key']} environment variable)")
    p.add_argument("--tenant", help=f"tenant (default: the key's first tenant or API_DEFAULT_TENANT; {ENV['tenant']})")
    p.add_argument("--persona", help=f"persona memory_id or cube (default: the key's only persona, else the default "
                                     f"cube; {ENV['persona']})")
    p.add_argument("--user", help=f"limit every call to this user's memories ({ENV['user']})")
