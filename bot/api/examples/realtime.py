"""The routes OpenAPI cannot describe: the WebSockets and MCP (JSON-RPC over HTTP).

Published in /openapi.json as `x-realtime` and shown on /docs. The messages were recorded from a real server
(ids and times made stable); tests/api/test_api_examples.py checks them against one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

MESSAGE = {"id": "550e8400-e29b-41d4-a716-000000000006", "tenant_id": "my-app", "conversation_id": "user-123",
           "role": "user", "content": "I need help with Python programming", "importance": 0.8,
           "metadata": {"source": "web"}, "emotions": ["喜び"], "created_at": "2025-11-17T10:00:00Z",
           "deduplicated": False}
LIVE_REPLY = {"type": "reply", "event_id": "yt-msg-0001", "persona": "listy", "platform": "youtube",
              "viewer_id": "UC42example", "viewer_name": "ミカ", "user_id": "youtube:UC42example",
              "event_type": "superchat", "paid": True, "amount": 1000.0, "currency": "JPY",
              "message": "いつも配信ありがとう！",
              "reply": ("ミカさん、1,000円のスーパーチャットありがとうございます！\n"
                        "どういたしまして。いつでも声をかけてくださいね。"),
              "tts_text": ("ミカさん、千円のスーパーチャットありがとうございます!\n"
                           "どういたしまして。いつでも声をかけてくださいね。"),
              "expression": "warm", "expression_face": "(*´▽`*)", "emotion": "affection", "emotion_name": "親しみ",
              "emotions": [{"label": "affection", "name": "親しみ", "score": 0.6054}], "viewer_known": False,
              "welcomed_back": False, "memories_used": 0, "produced_at": "2025-11-17T10:00:00+00:00"}
LIVE_DROPPED = {"type": "event", "status": "dropped", "reason": "rate_limited", "event_id": "yt-msg-0002",
                "persona": "listy", "platform": "youtube", "viewer_id": "UC43example", "viewer_name": "ハル",
                "user_id": "youtube:UC43example", "event_type": "chat", "message": "こんばんは！",
                "viewer_known": False}
PING = "ping"
PONG = {"type": "pong"}
CLOSE_CODES = ("1008 (policy violation) when the key is revoked, the user deleted or the grant taken back; "
               "1001 when the server shuts down. The server sends a WebSocket ping every 30 s.")


@dataclass(frozen=True)
class Message:
    summary: str
    example: Any


@dataclass(frozen=True)
class RealtimeRoute:
    path: str
    protocol: str  # "websocket" or "json-rpc over HTTP POST"
    summary: str
    auth: str
    connect: dict[str, str]  # language -> a snippet that connects
    client_sends: list[Message]
    server_sends: list[Message]
    notes: str = ""
    try_path: str = field(default="")  # a concrete path /docs can open with the pasted key ("" = no try it)


ROUTES: list[RealtimeRoute] = [
    RealtimeRoute(
        path="/ws/messages/{tenant_id}", protocol="websocket", try_path="/ws/messages/default",
        summary="Memory Mesh (seed 002): every new message of a tenant, as it is stored",
        auth="Authorization: Bearer <access token> or X-API-Key: <key> on the upgrade request; browsers, which "
             "cannot set headers on a WebSocket, use ?token=<access token> or ?api_key=<key>. The caller must "
             "reach the tenant (403 before the upgrade otherwise; 401 without credentials).",
        connect={
            "python": 'import json, websockets\n\nuri = "ws://127.0.0.1:8000/ws/messages/my-app"\n'
                      'async with websockets.connect(uri, additional_headers={"Authorization": f"Bearer {token}"}) '
                      'as ws:\n    async for raw in ws:\n        print(json.loads(raw))',
            "javascript": 'const ws = new WebSocket(`ws://127.0.0.1:8000/ws/messages/my-app?token=${token}`);\n'
                          'ws.onmessage = (e) => console.log(JSON.parse(e.data));',
        },
        client_sends=[Message("Optional keep-alive: the text ping (or the JSON string \"ping\"); anything else "
                              "is ignored", PING)],
        server_sends=[Message("First, once connected", {"type": "subscribed", "tenant_id": "my-app"}),
                      Message("For each message stored by POST /v1/messages or /v1/messages/batch (`data` is "
                              "the POST's answer)", {"type": "message.created", "data": MESSAGE}),
                      Message("The answer to a ping", PONG)],
        notes=CLOSE_CODES),
    RealtimeRoute(
        path="/api/livestream/{persona}/ws", protocol="websocket", try_path="/api/livestream/listy/ws",
        summary="Livestream: the persona's replies (with text for speech synthesis) for an avatar or TTS client",
        auth="X-API-Key or Authorization: Bearer on the upgrade request, or ?api_key=<key>; the key must reach "
             "the persona (a key scoped to other personas gets 403).",
        connect={
            "python": 'import json, websockets\n\nuri = "ws://127.0.0.1:8000/api/livestream/listy/ws"\n'
                      'async with websockets.connect(uri, additional_headers={"X-API-Key": key}) as ws:\n'
                      '    async for raw in ws:\n        msg = json.loads(raw)\n'
                      '        if msg["type"] == "reply":\n            speak(msg["tts_text"], msg["expression"])',
            "javascript": 'const ws = new WebSocket(`ws://127.0.0.1:8000/api/livestream/listy/ws?api_key=${key}`);\n'
                          'ws.onmessage = (e) => { const m = JSON.parse(e.data); if (m.type === "reply") '
                          'show(m.reply, m.expression); };',
        },
        client_sends=[Message("Optional keep-alive", PING)],
        server_sends=[Message("First, once connected", {"type": "subscribed", "persona": "listy"}),
                      Message("One per reply, as it is produced (events sent to POST /api/livestream/{persona}/events "
                              "or read by the YouTube / Twitch connectors)", LIVE_REPLY),
                      Message("The answer to a ping", PONG)],
        notes=CLOSE_CODES + " The OBS overlay (GET /api/livestream/{persona}/overlay?api_key=...) is a page "
              "fed by this socket."),
    RealtimeRoute(
        path="/console/live/{persona}/ws", protocol="websocket",
        summary="Console live view (not an API route): the same replies plus the chat events that got none",
        auth="The console's session cookie (log in at /console/login with a key), and an Origin of the console "
             "itself: another site's page gets 403. No API key is put in the page.",
        connect={"javascript": "// opened by /console/live/<persona> itself; not meant for other clients"},
        client_sends=[Message("Optional keep-alive", PING)],
        server_sends=[Message("First, once connected", {"type": "subscribed", "persona": "listy"}),
                      Message("Each reply, as on /api/livestream/{persona}/ws", LIVE_REPLY),
                      Message("A chat message that gets no reply (rate limit or full queue)", LIVE_DROPPED)],
        notes=CLOSE_CODES),
    RealtimeRoute(
        path="/mcp", protocol="json-rpc over HTTP POST",
        summary="MCP (streamable HTTP, stateless, JSON answers): the six memory tools for agents",
        auth="Authorization: Bearer <API key> (or X-API-Key). Optional scope headers X-Tenant-ID, X-Persona, "
             "X-User-ID (or ?tenant=&persona=&user=). Each POST stands alone and is authenticated on its own.",
        connect={
            "curl": "curl -s http://127.0.0.1:8000/mcp -H \"Authorization: Bearer $KEY\" \\\n"
                    "  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \\\n"
                    "  -d '{\"jsonrpc\": \"2.0\", \"id\": 3, \"method\": \"tools/call\", \"params\": "
                    "{\"name\": \"memory_store\", \"arguments\": {\"content\": \"ユーザーの猫の名前はモチ\"}}}'",
            "claude_desktop_config.json": '{"mcpServers": {"omoide": {"url": "http://127.0.0.1:8000/mcp", '
                                          '"headers": {"Authorization": "Bearer omo_..."}}}}',
        },
        client_sends=[
            Message("initialize (what MCP clients send first; optional here, the server is stateless)",
                    {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                     "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                                "clientInfo": {"name": "my-agent", "version": "1.0"}}}),
            Message("List the tools", {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
            Message("Call one", {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                                 "params": {"name": "memory_store",
                                            "arguments": {"content": "ユーザーの猫の名前はモチ", "tags": ["pets"]}}})],
        server_sends=[
            Message("tools/list: memory_store, memory_search, memory_get, memory_update, memory_delete, "
                    "memory_list with their JSON schemas (as GET /v1/tools)",
                    {"jsonrpc": "2.0", "id": 2, "result": {"tools": [{"name": "memory_store", "description": "...",
                                                                      "inputSchema": {"type": "object"}}]}}),
            Message("tools/call: the tool's JSON as text and as structuredContent",
                    {"jsonrpc": "2.0", "id": 3, "result": {
                        "content": [{"type": "text", "text": "{\"id\": \"550e8400-e29b-41d4-a716-000000000021\", "
                                     "\"content\": \"ユーザーの猫の名前はモチ\", \"memory_tier\": \"long_term\", "
                                     "\"created_at\": \"2025-11-17T10:00:00Z\"}"}],
                        "isError": False,
                        "structuredContent": {"id": "550e8400-e29b-41d4-a716-000000000021",
                                              "content": "ユーザーの猫の名前はモチ", "memory_tier": "long_term",
                                              "created_at": "2025-11-17T10:00:00Z"}}})],
        notes="A read-only key is offered only memory_search, memory_get and memory_list. Over stdio: "
              "python -m bot mcp (README, MCP)."),
]


def realtime_doc() -> list[dict[str, Any]]:
    return [asdict(route) for route in ROUTES]
