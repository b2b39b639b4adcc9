"""The Resonant Engine memory management API under /api/memory, as its API document (seed 004) shows it.

`ROUTES` lists every route with its request, query and response models, so the OpenAPI document can
be generated from the same models that validate requests; `setup(app)` registers them.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from pydantic import BaseModel

from bot.api.routes.resonant_http import Handler, json_errors, ok, path_id, read_body, read_query
from bot.api.schemas import resonant as sc
from bot.resonant import ResonantService, create_tables

PREFIX = "/api/memory"
RESONANT = web.AppKey("resonant", ResonantService)


def _svc(request: web.Request) -> ResonantService:
    return request.app[RESONANT]


async def health(request: web.Request) -> web.Response:
    return ok(sc.HealthOut())


# -- sessions -------------------------------------------------------------------------------------
async def create_session(request: web.Request) -> web.Response:
    body = await read_body(request, sc.CreateSessionRequest)
    return ok(await _svc(request).create_session(body.user_id, body.metadata))


async def get_session(request: web.Request) -> web.Response:
    return ok(await _svc(request).get_session(path_id(request, "session_id")))


async def heartbeat(request: web.Request) -> web.Response:
    return ok(await _svc(request).heartbeat(path_id(request, "session_id")))


async def continue_session(request: web.Request) -> web.Response:
    return ok(await _svc(request).continue_session(path_id(request, "session_id")))


# -- intents --------------------------------------------------------------------------------------
async def create_intent(request: web.Request) -> web.Response:
    b = await read_body(request, sc.CreateIntentRequest)
    return ok(await _svc(request).create_intent(
        str(b.session_id), b.intent_text, b.intent_type, priority=b.priority, metadata=b.metadata,
        parent_intent_id=str(b.parent_intent_id) if b.parent_intent_id else None))


async def list_intents(request: web.Request) -> web.Response:
    q = read_query(request, sc.IntentListQuery)
    return ok(await _svc(request).list_intents(str(q.session_id), q.status))


async def complete_intent(request: web.Request) -> web.Response:
    intent_id = path_id(request, "intent_id")
    b = await read_body(request, sc.CompleteIntentRequest)
    return ok(await _svc(request).complete_intent(intent_id, b.outcome))


# -- resonances -----------------------------------------------------------------------------------
async def create_resonance(request: web.Request) -> web.Response:
    b = await read_body(request, sc.CreateResonanceRequest)
    return ok(await _svc(request).create_resonance(
        str(b.session_id), b.state, b.intensity, b.agents, intent_id=str(b.intent_id) if b.intent_id else None,
        pattern_type=b.pattern_type, duration_ms=b.duration_ms, metadata=b.metadata))


async def list_resonances(request: web.Request) -> web.Response:
    q = read_query(request, sc.ResonanceListQuery)
    return ok(await _svc(request).list_resonances(str(q.session_id), q.state))


# -- agent contexts -------------------------------------------------------------------------------
async def save_context(request: web.Request) -> web.Response:
    b = await read_body(request, sc.SaveContextRequest)
    return ok(await _svc(request).save_context(
        str(b.session_id), b.agent_type, b.context_data, intent_id=str(b.intent_id) if b.intent_id else None,
        metadata=b.metadata))


async def latest_context(request: web.Request) -> web.Response:
    q = read_query(request, sc.ContextLatestQuery)
    return ok(await _svc(request).latest_context(str(q.session_id), q.agent_type))


async def all_contexts(request: web.Request) -> web.Response:
    q = read_query(request, sc.SessionQuery)
    return ok(await _svc(request).all_contexts(str(q.session_id)))


# -- choice points --------------------------------------------------------------------------------
async def create_choice_point(request: web.Request) -> web.Response:
    b = await read_body(request, sc.CreateChoicePointRequest)
    return ok(await _svc(request).create_choice_point(str(b.session_id), str(b.intent_id), b.question, b.choices,
                                                      b.metadata))


async def decide_choice(request: web.Request) -> web.Response:
    choice_point_id = path_id(request, "choice_point_id")
    b = await read_body(request, sc.DecideChoiceRequest)
    return ok(await _svc(request).decide(choice_point_id, b.selected_choice_id, b.decision_rationale))


async def pending_choices(request: web.Request) -> web.Response:
    q = read_query(request, sc.SessionQuery)
    return ok(await _svc(request).pending_choices(str(q.session_id)))


# -- breathing cycles -----------------------------------------------------------------------------
async def start_cycle(request: web.Request) -> web.Response:
    b = await read_body(request, sc.StartCycleRequest)
    return ok(await _svc(request).start_cycle(str(b.session_id), b.phase, phase_data=b.phase_data,
                                              intent_id=str(b.intent_id) if b.intent_id else None))


async def complete_cycle(request: web.Request) -> web.Response:
    cycle_id = path_id(request, "cycle_id")
    b = await read_body(request, sc.CompleteCycleRequest)
    return ok(await _svc(request).complete_cycle(cycle_id, b.success, b.phase_data))


async def list_cycles(request: web.Request) -> web.Response:
    q = read_query(request, sc.SessionQuery)
    return ok(await _svc(request).list_cycles(str(q.session_id)))


# -- snapshots ------------------------------------------------------------------------------------
async def create_snapshot(request: web.Request) -> web.Response:
    b = await read_body(request, sc.CreateSnapshotRequest)
    return ok(await _svc(request).create_snapshot(str(b.session_id), b.snapshot_type, b.description, b.tags))


async def list_snapshots(request: web.Request) -> web.Response:
    q = read_query(request, sc.SnapshotListQuery)
    return ok(await _svc(request).list_snapshots(str(q.session_id), q.tags))


async def get_snapshot(request: web.Request) -> web.Response:
    return ok(await _svc(request).get_snapshot(path_id(request, "snapshot_id")))


# -- query ----------------------------------------------------------------------------------------
async def query(request: web.Request) -> web.Response:
    b = await read_body(request, sc.QueryRequest)
    return ok(await _svc(request).query(str(b.session_id), b.query))


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    response: type[BaseModel]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", health, "Service health", sc.HealthOut),
    Route("POST", "/sessions", create_session, "Start a session (a breathing unit)", sc.SessionOut,
          sc.CreateSessionRequest),
    Route("GET", "/sessions/{session_id}", get_session, "A session with its summary", sc.SessionDetailOut),
    Route("PUT", "/sessions/{session_id}/heartbeat", heartbeat, "Mark the session active now", sc.SessionOut),
    Route("POST", "/sessions/{session_id}/continue", continue_session, "Pick a session up where it stopped",
          sc.ContinueOut),
    Route("POST", "/intents", create_intent, "Record an intent (phase 1: intake)", sc.IntentOut,
          sc.CreateIntentRequest),
    Route("GET", "/intents", list_intents, "A session's intents", sc.IntentList, query=sc.IntentListQuery),
    Route("PUT", "/intents/{intent_id}/complete", complete_intent, "Complete an intent with its outcome",
          sc.IntentOut, sc.CompleteIntentRequest),
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
          sc.ChoicePointOut, sc.DecideChoiceRequest),
    Route("GET", "/choice-points/pending", pending_choices, "Undecided choice points", sc.ChoicePointList,
          query=sc.SessionQuery),
    Route("POST", "/breathing-cycles", start_cycle, "Start a breathing phase", sc.CycleOut, sc.StartCycleRequest),
    Route("PUT", "/breathing-cycles/{cycle_id}/complete", complete_cycle, "Complete a breathing phase",
          sc.CycleOut, sc.CompleteCycleRequest),
    Route("GET", "/breathing-cycles", list_cycles, "A session's breathing cycles", sc.CycleList,
          query=sc.SessionQuery),
    Route("POST", "/snapshots", create_snapshot, "Freeze the session as it is now", sc.SnapshotOut,
          sc.CreateSnapshotRequest),
    Route("GET", "/snapshots", list_snapshots, "A session's snapshots, optionally by tags", sc.SnapshotList,
          query=sc.SnapshotListQuery),
    Route("GET", "/snapshots/{snapshot_id}", get_snapshot, "A snapshot with its full snapshot_data",
          sc.SnapshotDataOut),
    Route("POST", "/query", query, "Filter a session's intents, resonances or choice points", sc.QueryResult,
          sc.QueryRequest),
)


def setup(app: web.Application) -> None:
    """Register the routes; the service and its tables are made at app start-up, on the engine's database."""
    for route in ROUTES:
        app.router.add_route(route.method, PREFIX + route.path, json_errors(route.handler))
    app.on_startup.append(_start)


async def _start(app: web.Application) -> None:
    from bot.api.app import SERVICES  # imported here: app.py imports this module

    db = app[SERVICES].engine.db
    await create_tables(db)
    app[RESONANT] = ResonantService(db)
