"""The MCP server (the SDK's low-level `Server`): tools, resources and the prompt, for whoever calls.

The transports differ only in how a request finds its caller: `resolve(ctx)` answers the Caller (stdio:
the key given at start; HTTP: the key of the request being served).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from bot.mcp import prompts, resources
from bot.mcp.audit import record_write
from bot.mcp.caller import Caller
from bot.memory_tools.catalog import TOOLS, ToolSpec

Resolver = Callable[[ServerRequestContext[Any, Any]], Awaitable[Caller]]
NAME = "omoide"
INSTRUCTIONS = """Omoide is this persona's long-term memory of the people it talks with. Search it
(memory_search) before answering anything that depends on the user or on earlier conversations; store
(memory_store) lasting facts the user tells you, one per call, in their own language; correct outdated
memories with memory_update rather than adding contradictions. Your key decides where you read and write
(tenant, persona, user): you cannot reach anyone else's memories."""


def _annotations(spec: ToolSpec) -> types.ToolAnnotations:
    return types.ToolAnnotations(title=spec.name.replace("_", " "), read_only_hint=not spec.writes,
                                 destructive_hint=spec.name in ("memory_delete", "memory_update"),
                                 idempotent_hint=not spec.writes or spec.name == "memory_delete",
                                 open_world_hint=False)


def tool_of(spec: ToolSpec) -> types.Tool:
    return types.Tool(name=spec.name, description=spec.description, input_schema=spec.input_schema(),
                      annotations=_annotations(spec))


def tool_result(body: dict[str, Any]) -> types.CallToolResult:
    """The tool's JSON as text (what every client shows the model) and as structured content."""
    return types.CallToolResult(content=[types.TextContent(text=json.dumps(body, ensure_ascii=False))],
                                structured_content=body, is_error=bool(body.get("error")))


def build_server(resolve: Resolver, *, version: str = "") -> Server[Any]:
    async def list_tools(ctx: ServerRequestContext[Any, Any], params: Any) -> types.ListToolsResult:
        caller = await resolve(ctx)
        return types.ListToolsResult(tools=[tool_of(s) for s in TOOLS.values() if caller.may_write or not s.writes])

    async def call_tool(ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
                        ) -> types.CallToolResult:
        caller = await resolve(ctx)
        body = await caller.toolbox().run(params.name, params.arguments)
        spec = TOOLS.get(params.name)
        if spec is not None and spec.writes and body.get("error_type") != "Forbidden":
            await record_write(caller, params.name, body)
        return tool_result(body)

    async def list_resources(ctx: ServerRequestContext[Any, Any], params: Any) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=await resources.listed(await resolve(ctx)))

    async def list_templates(ctx: ServerRequestContext[Any, Any], params: Any) -> types.ListResourceTemplatesResult:
        await resolve(ctx)
        return types.ListResourceTemplatesResult(resource_templates=resources.templates())

    async def read_resource(ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
                            ) -> types.ReadResourceResult:
        return await resources.read(await resolve(ctx), str(params.uri))

    async def list_prompts(ctx: ServerRequestContext[Any, Any], params: Any) -> types.ListPromptsResult:
        return types.ListPromptsResult(prompts=[prompts.definition(await resolve(ctx))])

    async def get_prompt(ctx: ServerRequestContext[Any, Any], params: types.GetPromptRequestParams
                         ) -> types.GetPromptResult:
        caller = await resolve(ctx)
        if params.name != prompts.NAME:
            raise MCPError(INVALID_PARAMS, f"no prompt named {params.name!r}; prompts: {prompts.NAME}")
        return await prompts.render(caller, params.arguments)

    return Server(NAME, version=version, title="Omoide memory", instructions=INSTRUCTIONS,
                  on_list_tools=list_tools, on_call_tool=call_tool, on_list_resources=list_resources,
                  on_list_resource_templates=list_templates, on_read_resource=read_resource,
                  on_list_prompts=list_prompts, on_get_prompt=get_prompt)
