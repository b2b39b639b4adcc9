"""The Resonant Engine memory management API under /api/memory, as its API document (seed 004) shows it.

`ROUTES` lists every route with its path, query, body and response models; `setup(app)` registers them
through `bot.api.registry.Api`, so they validate requests with those models, appear in /openapi.json,
and get authentication, rate limits, the body limit, JSON errors and the audit log like every family.
Errors keep the seed's wording (`bot.api.routes.resonant_http.invalid`): `detail` names every bad field.

Who may call them: the seed is single-user, so only the admin key or an API key whose `tenants`
explicitly include `resonant` (RESONANT_SCOPE); Memory Mesh users and their keys never can.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from pydantic import BaseModel

from bot.api.auth.principal import Principal
from bot.api.errors import forbidden
from bot.api.registry import Api, Handler
from bot.api.routes.resonant_http import invalid
from bot.api.schemas import resonant as sc
from bot.api.state import SERVICES, audit
from bot.resonant import ResonantService
from bot.resonant.snapshot import file_snapshots

PREFIX = "/api/memory"
TAG = "Resonant Engine"
RESONANT_SCOPE = "resonant"
RESONANT = web.AppKey("resonant", ResonantService)


def require_resonant(who: Principal) -> None:
    """The single-user data is reached by the admin key or a key granted `resonant` by name."""
    if who.admin or (who.user_id is None and who.tenants is not None and RESONANT_SCOPE in who.tenants):
        return
    raise forbidden(f"the Resonant Engine routes are single-user: use the admin key or a key whose tenants "
                    f"include {RESONANT_SCOPE!r}")


def _svc(request: web.Request) -> ResonantService:
    return request.app[RESONANT]


async def health(request: web.Request) -> sc.HealthOut:
    return sc.HealthOut()


# -- sessions -------------------------------------------------------------------------------------
async def create_session(request: web.Request, body: sc.CreateSessionRequest) -> sc.SessionOut:
    out = await _svc(request).create_session(body.user_id, body.metadata)
    audit(request, target=f"session {out.session_id}")
    return out


async def get_session(request: web.Request, path: sc.SessionPath) -> sc.SessionDetailOut:
    return await _svc(request).get_session(str(path.session_id))


async def heartbeat(request: web.Request, path: sc.SessionPath) -> sc.SessionOut:
    return await _svc(request).heartbeat(str(path.session_id))


async def continue_session(request: web.Request, path: sc.SessionPath) -> sc.ContinueOut:
    return await _svc(request).continue_session(str(path.session_id))


# -- intents --------------------------------------------------------------------------------------
async def create_intent(request: web.Request, body: sc.CreateIntentRequest) -> sc.IntentOut:
    out = await _svc(request).create_intent(
        str(body.session_id), body.intent_text, body.intent_type, priority=body.priority, metadata=body.metadata,
        parent_intent_id=str(body.parent_intent_id) if body.parent_intent_id else None)
    audit(request, target=f"intent {out.intent_id}")
    return out


async def list_intents(request: web.Request, query: sc.IntentListQuery) -> sc.IntentList:
    return await _svc(request).list_intents(str(query.session_id), query.status)


async def complete_intent(request: web.Request, path: sc.IntentPath, body: sc.CompleteIntentRequest) -> sc.IntentOut:
    return await _svc(request).complete_intent(str(path.intent_id), body.outcome)


# -- resonances -----------------------------------------------------------------------------------
async def create_resonance(request: web.Request, body: sc.CreateResonanceRequest) -> sc.ResonanceOut:
    b = body
    out = await _svc(request).create_resonance(
        str(b.session_id), b.state, b.intensity, b.agents, intent_id=str(b.intent_id) if b.intent_id else None,
        pattern_type=b.pattern_type, duration_ms=b.duration_ms, metadata=b.metadata)
    audit(request, target=f"resonance {out.resonance_id}")
    return out


async def list_resonances(request: web.Request, query: sc.ResonanceListQuery) -> sc.ResonanceList:
    return await _svc(request).list_resonances(str(query.session_id), query.state)


# -- agent contexts -------------------------------------------------------------------------------
async def save_context(request: web.Request, body: sc.SaveContextRequest) -> sc.ContextOut:
    b = body
    out = await _svc(request).save_context(str(b.session_id), b.agent_type, b.context_data,
                                           intent_id=str(b.intent_id) if b.intent_id else None, metadata=b.metadata)
    audit(request, target=f"context {out.context_id}")
    return out


async def latest_context(request: web.Request, query: sc.ContextLatestQuery) -> sc.ContextOut:
    return await _svc(request).latest_context(str(query.session_id), query.agent_type)


async def all_contexts(request: web.Request, query: sc.SessionQuery) -> sc.AllContexts:
    return await _svc(request).all_contexts(str(query.session_id))


# -- choice points --------------------------------------------------------------------------------
async def create_choice_point(request: web.Request, body: sc.CreateChoicePointRequest) -> sc.ChoicePointOut:
    b = body
    out = await _svc(request).create_choice_point(str(b.session_id), str(b.intent_id), b.question, b.choices,
                                                  b.metadata)
    audit(request, target=f"choice point {out.choice_point_id}")
    return out


async def decide_choice(request: web.Request, path: sc.ChoicePointPath,
                        body: sc.DecideChoiceRequest) -> sc.ChoicePointOut:
    return await _svc(request).decide(str(path.choice_point_id), body.selected_choice_id, body.decision_rationale)


async def pending_choices(request: web.Request, query: sc.SessionQuery) -> sc.ChoicePointList:
    return await _svc(request).pending_choices(str(query.session_id))


# -- breathing cycles -----------------------------------------------------------------------------
async def start_cycle(request: web.Request, body: sc.StartCycleRequest) -> sc.CycleOut:
    b = body
    out = await _svc(request).start_cycle(str(b.session_id), b.phase, phase_data=b.phase_data,
                                          intent_id=str(b.intent_id) if b.intent_id else None)
    audit(request, target=f"cycle {out.cycle_id}")
    return out


async def complete_cycle(request: web.Request, path: sc.CyclePath, body: sc.CompleteCycleRequest) -> sc.CycleOut:
    return await _svc(request).complete_cycle(str(path.cycle_id), body.success, body.phase_data)


async def list_cycles(request: web.Request, query: sc.SessionQuery) -> sc.CycleList:
    return await _svc(request).list_cycles(str(query.session_id))


# -- snapshots ------------------------------------------------------------------------------------
async def create_snapshot(request: web.Request, body: sc.CreateSnapshotRequest) -> sc.SnapshotOut:
    out = await _svc(request).create_snapshot(str(body.session_id), body.snapshot_type, body.description, body.tags)
    audit(request, target=f"snapshot {out.snapshot_id}")
    return out


async def list_snapshots(request: web.Request, query: sc.SnapshotListQuery) -> sc.SnapshotList:
    return await _svc(request).list_snapshots(str(query.session_id), query.tags)


async def get_snapshot(request: web.Request, path: sc.SnapshotPath) -> sc.SnapshotDataOut:
    return await _svc(request).get_snapshot(str(path.snapshot_id))


# -- query ----------------------------------------------------------------------------------------
async def query(request: web.Request, body: sc.QueryRequest) -> sc.QueryResult:
    return await _svc(request).query(str(body.session_id), body.query)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    response: type[BaseModel]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    path_params: type[BaseModel] | None = None


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", health, "Service health", sc.HealthOut),
    Route("POST", "/sessions", create_session, "Start a session (a breathing unit)", sc.SessionOut,
          sc.CreateSessionRequest),
    Route("GET", "/sessions/{session_id}", get_session, "A session with its summary", sc.SessionDetailOut,
          path_params=sc.SessionPath),
    Route("PUT", "/sessions/{session_id}/heartbeat", heartbeat, "Mark the session active now", sc.SessionOut,
          path_params=sc.SessionPath),
    Route("POST", "/sessions/{session_id}/continue", continue_session, "Pick a session up where it stopped",
          sc.ContinueOut, path_params=sc.SessionPath),
    Route("POST", "/intents", create_intent, "Record an intent (phase 1: intake)", sc.IntentOut,
          sc.CreateIntentRequest),
    Route("GET", "/intents", list_intents, "A session's intents", sc.IntentList, query=sc.IntentListQuery),
    Route("PUT", "/intents/{intent_id}/complete", complete_intent, "Complete an intent with its outcome",
          sc.IntentOut, sc.CompleteIntentRequest, path_params=sc.IntentPath),
    Route("POST", "/resonances", create_resonance, "Record a resonance (phase 2)", sc.ResonanceOut,
          sc.CreateResonanceRequest),
    Route("GET", "/resonances", list_resonances, "A session's resonances", sc.ResonanceList,
          query=sc.ResonanceListQuery),
    Route("POST", "/contexts", save_context, "Save the next version of an agent's context (phase 4)",
          sc.ContextOut, sc.SaveContextRequest),
    Route("GET", "/contexts/latest", latest_context, "An agent's latest context", sc.ContextOut,
          query=sc.ContextLatestQuery),
    Route("GET", "/contexts/all", all_contexts, "Every agent's latest context_data", sc.AllContexts,
          query=sc.SessionQuery),
    Route("POST", "/choice-points", create_choice_point, "Open a choice point (phase 3: structuring)",
          sc.ChoicePointOut, sc.CreateChoicePointRequest),
    Route("PUT", "/choice-points/{choice_point_id}/decide", decide_choice, "Record the decision",
          sc.ChoicePointOut, sc.DecideChoiceRequest, path_params=sc.ChoicePointPath),
    Route("GET", "/choice-points/pending", pending_choices, "Undecided choice points", sc.ChoicePointList,
          query=sc.SessionQuery),
    Route("POST", "/breathing-cycles", start_cycle, "Start a breathing phase", sc.CycleOut, sc.StartCycleRequest),
    Route("PUT", "/breathing-cycles/{cycle_id}/complete", complete_cycle, "Complete a breathing phase",
          sc.CycleOut, sc.CompleteCycleRequest, path_params=sc.CyclePath),
    Route("GET", "/breathing-cycles", list_cycles, "A session's breathing cycles", sc.CycleList,
          query=sc.SessionQuery),
    Route("POST", "/snapshots", create_snapshot, "Freeze the session as it is now", sc.SnapshotOut,
          sc.CreateSnapshotRequest),
    Route("GET", "/snapshots", list_snapshots, "A session's snapshots, optionally by tags", sc.SnapshotList,
          query=sc.SnapshotListQuery),
    Route("GET", "/snapshots/{snapshot_id}", get_snapshot, "A snapshot with its full snapshot_data",
          sc.SnapshotDataOut, path_params=sc.SnapshotPath),
    Route("POST", "/query", query, "Filter a session's intents, resonances or choice points", sc.QueryResult,
          sc.QueryRequest),
)
NOT_AUDITED = {"/query"}  # a read sent as POST, like the other families' searches
NO_IDS = {"/health", "/sessions"}  # every other route names a session or record that may not exist (404)


def setup(app: web.Application) -> None:
    """Register the routes; the service and its tables are made when the app starts, on the engine's database."""
    add = Api(app).add
    for r in ROUTES:
        public = r.path == "/health"
        add(r.method, PREFIX + r.path, r.handler, summary=r.summary, tag=TAG, body=r.body, query=r.query,
            response=r.response, path_params=r.path_params, public=public, guard=None if public else require_resonant,
            invalid=invalid, body_required=True, audit=False if r.path in NOT_AUDITED else None,
            errors=() if r.path in NO_IDS else (404,))
    app.cleanup_ctx.append(_resonant)


async def _resonant(app: web.Application) -> AsyncIterator[None]:
    """The service on the bot's store (bot.store): it holds no connection of its own, so nothing to close after."""
    services = app[SERVICES]
    await services.store.ensure_schema()
    app[RESONANT] = ResonantService(services.store.db, file_snapshots(services.engine, services.settings))
    yield
