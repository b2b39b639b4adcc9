"""Omoide's memory over the Model Context Protocol (the official `mcp` SDK): the six memory tools, a
persona's memories as resources and a recall prompt, for any MCP client. Served over stdio
(`python -m bot mcp`) and streamable HTTP at `/mcp` on the side API; every call is scoped by the
caller's API key (tenant, persona cube) and, when given, one user."""
