"""Memory Mesh (seed 002): messages, batches, search, conversations and the WebSocket feed.

A message is a conversation turn in its tenant's default cube, saved as EmotionMemCore, Discord and
the livestream save theirs (memory.turn_text): its speaker is the name in its metadata when the client
gives one (`speaker`, `user_name`, `display_name`, `viewer_name`, or `name` as in chat-completion
messages), else its role, and it is indexed with the earlier messages of its conversation as context.
conversation_id is its session (and its user, so an identical message in the same conversation
reinforces the first instead of adding a copy); the role is kept as the tag `role:<role>`, importance
is the engine's importance.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any

from aiohttp import WSMsgType, web

from bot.api.convert import DEFAULT_CUBE, emotion_names
from bot.api.errors import ApiError, not_found
from bot.api.registry import Api
from bot.api.schemas.common import FailedItem
from bot.api.schemas.mesh import (
    BatchIn,
    BatchOut,
    ConversationCreate,
    ConversationGetQuery,
    ConversationList,
    ConversationListQuery,
    ConversationOut,
    MessageIn,
    MessageOut,
    SearchHit,
    SearchOut,
    SearchQuery,
)
from bot.api.state import ApiState, audit, principal, state
from bot.api.tables import ConversationRow
from memory.clock import as_utc
from memory.json_limits import readable_json
from memory.turn_text import NAME_KEYS
from memory.types import Memory, MemoryFilter, MemoryInput, SaveResult, Scope

TAG = "Memory Mesh"
ROLE_TAG = "role:"
MESH_NAME_KEY = "name"  # a chat-completion message's participant name
log = logging.getLogger("omoide.api")


def _role(m: Memory) -> str:
    return next((t[len(ROLE_TAG):] for t in m.tags if t.startswith(ROLE_TAG)), "user")


def _message(res: SaveResult, lang: str) -> MessageOut:
    m = res.memory
    return MessageOut(id=m.id, tenant_id=m.scope.tenant, conversation_id=m.scope.session_id or "", role=_role(m),
                      content=m.content, importance=m.importance, metadata=m.metadata,
                      emotions=emotion_names(m, lang), created_at=m.created_at, deduplicated=res.deduplicated)


def _conversation(row: ConversationRow) -> ConversationOut:
    return ConversationOut(tenant_id=row.tenant_id, conversation_id=row.conversation_id, title=row.title,
                           metadata=readable_json(row.meta or {}, f"metadata of conversation {row.conversation_id!r}"),
                           message_count=row.message_count,
                           created_at=as_utc(row.created_at), updated_at=as_utc(row.updated_at))


def _with_speaker(msg: MessageIn) -> dict[str, Any]:
    """The message's metadata, with `speaker` added when it names no speaker the engine reads: its
    `name`, else its role (the conversation_id, its user, would otherwise read as the speaker)."""
    meta = dict(msg.metadata or {})
    if not any(isinstance(name := meta.get(key), str) and name.strip() for key in NAME_KEYS):
        given = meta.get(MESH_NAME_KEY)
        meta["speaker"] = given.strip() if isinstance(given, str) and given.strip() else msg.role
    return meta


def _input(msg: MessageIn, actor: str) -> MemoryInput:
    return MemoryInput(scope=Scope(msg.tenant_id, DEFAULT_CUBE, msg.conversation_id, msg.conversation_id),
                       user_message=msg.content, tags=[ROLE_TAG + msg.role], importance=msg.importance,
                       metadata=_with_speaker(msg), actor=actor)


async def _store(request: web.Request, messages: list[MessageIn]) -> tuple[list[MessageOut], list[FailedItem]]:
    st, who = state(request), principal(request)
    for tenant in dict.fromkeys(m.tenant_id for m in messages):
        await st.access.require_tenant(who, tenant, claim=True)
    st.access.require_cube(who, DEFAULT_CUBE)
    result = await st.engine.save_batch([_input(m, who.id) for m in messages])
    lang = st.settings.api_emotion_names
    created = [_message(r, lang) for r in result.saved]
    fresh = Counter((c.tenant_id, c.conversation_id) for c in created if not c.deduplicated)
    await st.conversations.note_messages(dict(fresh))
    for msg in created:
        await _push(st, msg)
    audit(request, tenant=",".join(sorted({m.tenant_id for m in messages})), target=",".join(c.id for c in created))
    return created, [FailedItem(index=f.index, error=f.error, field=f.field) for f in result.failed]


async def _push(st: ApiState, msg: MessageOut) -> None:
    await st.hub.publish(msg.tenant_id, {"type": "message.created", "data": msg.model_dump(mode="json")})


async def create_message(request: web.Request, body: MessageIn) -> MessageOut:
    created, failed = await _store(request, [body])
    if failed:
        raise ApiError(422, "ValidationError", failed[0].error, field=failed[0].field)
    return created[0]


async def create_batch(request: web.Request, body: BatchIn) -> BatchOut:
    created, failed = await _store(request, body.messages)
    return BatchOut(created=created, failed=failed)


async def search(request: web.Request, query: SearchQuery) -> SearchOut:
    st, who = state(request), principal(request)
    await st.access.require_tenant(who, query.tenant_id)
    st.access.require_cube(who, DEFAULT_CUBE)
    f = MemoryFilter(tenant=query.tenant_id, cube=DEFAULT_CUBE, session_id=query.conversation_id,
                     min_importance=query.min_importance)
    hits = await st.engine.search(query.query, f, top_k=query.top_k)
    results = [SearchHit(id=h.memory.id, content=h.memory.content, score=h.score, role=_role(h.memory),
                         conversation_id=h.memory.scope.session_id, importance=h.memory.importance,
                         metadata=h.memory.metadata, created_at=h.memory.created_at) for h in hits]
    return SearchOut(results=results, total=len(results))


async def create_conversation(request: web.Request, body: ConversationCreate) -> ConversationOut:
    st, who = state(request), principal(request)
    await st.access.require_tenant(who, body.tenant_id, claim=True)
    row = await st.conversations.create(body.tenant_id, body.conversation_id, body.title, body.metadata)
    audit(request, tenant=body.tenant_id, target=f"conversation {body.conversation_id}")
    return _conversation(row)


async def list_conversations(request: web.Request, query: ConversationListQuery) -> ConversationList:
    st, who = state(request), principal(request)
    await st.access.require_tenant(who, query.tenant_id)
    rows, total = await st.conversations.list(query.tenant_id, query.limit, query.offset)
    return ConversationList(conversations=[_conversation(r) for r in rows], total=total, limit=query.limit,
                            offset=query.offset)


async def get_conversation(request: web.Request, query: ConversationGetQuery) -> ConversationOut:
    st, who = state(request), principal(request)
    cid = request.match_info["conversation_id"]
    if query.tenant_id is not None:
        await st.access.require_tenant(who, query.tenant_id)
    hidden = st.access.user_tenants() if st.access.hides_user_tenants(who) else None
    row = await st.conversations.get(await st.access.tenants_of(who), cid, query.tenant_id, hidden)
    if row is None:
        raise not_found(f"conversation {cid!r}", field="conversation_id")
    return _conversation(row)


async def websocket(request: web.Request) -> web.StreamResponse:
    """Push `{"type": "message.created", "data": <message>}` for each new message of the tenant."""
    st, who = state(request), principal(request)
    tenant = request.match_info["tenant_id"]
    await st.access.require_tenant(who, tenant)
    ws = web.WebSocketResponse(heartbeat=30.0)
    await ws.prepare(request)
    st.hub.add(tenant, ws, who)  # closed when who loses the tenant (grant revoked, key revoked, user deleted)
    await ws.send_json({"type": "subscribed", "tenant_id": tenant})
    try:
        async for msg in ws:  # listeners only listen; a ping text gets a pong
            if msg.type == WSMsgType.TEXT and msg.data.strip().lower() in ("ping", json.dumps("ping")):
                await ws.send_json({"type": "pong"})
    finally:
        st.hub.remove(tenant, ws)
    return ws


def setup(app: web.Application) -> None:
    api = Api(app)
    api.add("POST", "/v1/messages", create_message, summary="Store a message", tag=TAG, body=MessageIn,
            response=MessageOut, status=201)
    api.add("POST", "/v1/messages/batch", create_batch, summary="Store many messages", tag=TAG, body=BatchIn,
            response=BatchOut, status=201)
    api.add("GET", "/v1/memory/search", search, summary="Semantic search in a tenant", tag=TAG, query=SearchQuery,
            response=SearchOut)
    api.add("POST", "/v1/conversations", create_conversation, summary="Create a conversation", tag=TAG,
            body=ConversationCreate, response=ConversationOut, status=201, errors=(409,))
    api.add("GET", "/v1/conversations", list_conversations, summary="List a tenant's conversations", tag=TAG,
            query=ConversationListQuery, response=ConversationList)
    api.add("GET", "/v1/conversations/{conversation_id}", get_conversation, summary="Get a conversation", tag=TAG,
            query=ConversationGetQuery, response=ConversationOut)
    api.add("GET", "/ws/messages/{tenant_id}", websocket, summary="WebSocket: new messages of a tenant", tag=TAG,
            spec=False)
