"""EmotionMemCore (seed 000): conversation turns saved per user, searched with emotions and dates.

Where memories live: the caller's tenant (X-Tenant-ID, the key's tenant, or API_DEFAULT_TENANT), the
tenant's default cube, `user_id` from the request. Emotions go out as names (Japanese by default).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.api.convert import DEFAULT_CUBE, emotion_names
from bot.api.errors import ApiError
from bot.api.registry import Api, validate
from bot.api.schemas.common import FailedItem, day_end, day_start
from bot.api.schemas.emotionmem import (
    BatchSaveResponse,
    MemoriesQuery,
    MemoriesResponse,
    MemoryResult,
    SaveRequest,
    SaveResponse,
    SearchRequest,
    SearchResponse,
)
from bot.api.state import audit, principal, state
from memory.types import Memory, MemoryFilter, MemoryInput, Scope

TAG = "EmotionMemCore"
MAX_BATCH = 1000


async def _tenant(request: web.Request, *, claim: bool = False) -> str:
    """The caller's tenant after the access checks; `claim`: this request writes (the first write owns it)."""
    st, who = state(request), principal(request)
    tenant = st.access.default_tenant(who, request)
    await st.access.require_tenant(who, tenant, claim=claim)
    st.access.require_cube(who, DEFAULT_CUBE)
    return tenant


def _result(m: Memory, lang: str, score: float | None = None) -> MemoryResult:
    return MemoryResult(memory_id=m.id, summary=m.summary, emotions=emotion_names(m, lang), timestamp=m.created_at,
                        score=score, user_message=m.user_message, ai_message=m.ai_message, user_id=m.scope.user_id,
                        session_id=m.scope.session_id, metadata=m.metadata)


def _input(req: SaveRequest, tenant: str, actor: str) -> MemoryInput:
    return MemoryInput(scope=Scope(tenant, DEFAULT_CUBE, req.user_id, req.session_id), user_message=req.user_message,
                       ai_message=req.ai_message or None, metadata=dict(req.metadata or {}), actor=actor)


async def save(request: web.Request, body: SaveRequest) -> SaveResponse:
    st, tenant = state(request), await _tenant(request, claim=True)
    res = await st.engine.save(_input(body, tenant, principal(request).id))
    m = res.memory
    audit(request, tenant=tenant, target=m.id)
    return SaveResponse(memory_id=m.id, summary=m.summary, emotions=emotion_names(m, st.settings.api_emotion_names),
                        timestamp=m.created_at, user_id=body.user_id, session_id=body.session_id,
                        deduplicated=res.deduplicated)


async def batch_save(request: web.Request, body: Any) -> BatchSaveResponse:
    if not isinstance(body, list):
        raise ApiError(422, "ValidationError", "the body must be a JSON array of conversations", field="body")
    if len(body) > MAX_BATCH:
        raise ApiError(422, "ValidationError", f"at most {MAX_BATCH} conversations per batch (got {len(body)})",
                       field="body")
    st, tenant, actor = state(request), await _tenant(request, claim=True), principal(request).id
    failed: list[FailedItem] = []
    items: list[tuple[int, MemoryInput]] = []
    for i, raw in enumerate(body):
        try:
            items.append((i, _input(validate(SaveRequest, raw, prefix=f"[{i}]"), tenant, actor)))
        except ApiError as exc:
            failed.append(FailedItem(index=i, error=exc.message, field=exc.field))
    result = await st.engine.save_batch([it for _, it in items])
    failed += [FailedItem(index=items[f.index][0], error=f.error, field=f.field) for f in result.failed]
    failed.sort(key=lambda f: f.index)
    ids = [r.memory.id for r in result.saved]
    audit(request, tenant=tenant, target=",".join(ids))
    return BatchSaveResponse(total_requested=len(body), successful_saves=len(ids), failed_saves=len(failed),
                             failed_items=failed, memory_ids=ids)


async def search(request: web.Request, body: SearchRequest) -> SearchResponse:
    st, tenant = state(request), await _tenant(request)
    f = MemoryFilter(tenant=tenant, cube=DEFAULT_CUBE, user_id=body.user_id, emotions=body.emotions,
                     created_after=day_start(body.start_date), created_before=day_end(body.end_date))
    hits = await st.engine.search(body.query, f, top_k=body.top_k)
    lang = st.settings.api_emotion_names
    return SearchResponse(results=[_result(h.memory, lang, h.score) for h in hits], total_results=len(hits),
                          query=body.query)


async def memories(request: web.Request, query: MemoriesQuery) -> MemoriesResponse:
    st, tenant = state(request), await _tenant(request)
    emotions = query.emotions.split(",") if query.emotions else None
    page = await st.engine.list(MemoryFilter(tenant=tenant, cube=DEFAULT_CUBE, user_id=query.user_id,
                                             emotions=emotions), limit=query.limit, offset=query.offset)
    lang = st.settings.api_emotion_names
    return MemoriesResponse(memories=[_result(m, lang) for m in page.memories], total=page.total,
                            limit=page.limit, offset=page.offset)


def setup(app: web.Application) -> None:
    api = Api(app)
    api.add("POST", "/save", save, summary="Save a conversation turn as a memory", tag=TAG, body=SaveRequest,
            response=SaveResponse)
    api.add("POST", "/batch-save", batch_save, summary="Save many turns; each bad item is reported by index",
            tag=TAG, body=SaveRequest, body_is_list=True, response=BatchSaveResponse)
    api.add("POST", "/search", search, summary="Search a user's memories (emotions, dates)", tag=TAG,
            body=SearchRequest, response=SearchResponse, audit=False)
    api.add("GET", "/memories", memories, summary="List a user's memories, newest first", tag=TAG,
            query=MemoriesQuery, response=MemoriesResponse)
