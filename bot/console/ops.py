"""Operations pages, for the admin key only (a scoped key gets 403): API keys, scheduled jobs, snapshots,
the running settings (secrets redacted) and the audit log.

Each action calls what the admin API calls (the key store, the job scheduler, memory.snapshots,
`redacted_settings`, `audit_page`), so the console and /admin/* cannot drift apart.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from bot.api.auth.principal import Principal
from bot.api.errors import ApiError, forbidden, from_pydantic, not_found
from bot.api.routes.admin import redacted_settings, revoke
from bot.api.routes.livestream import WATCHERS
from bot.api.schemas.admin import AdminKeyCreate
from bot.api.state import STATE
from bot.api.tables import audit_page
from bot.console.render import WHO, render, see_other
from bot.console.scope import audit
from memory.clock import as_utc, utcnow
from memory.snapshots import list_snapshots, prune_snapshots, snapshot_engine, snapshots_root

AUDIT_PAGE = 50
AUDIT_PAGES_MAX = 100_000


def admin_only(request: web.Request) -> Principal:
    who = request[WHO]
    if not who.admin:
        raise forbidden("the operations pages need the admin key; this key is scoped")
    return who


def _words(value: str) -> list[str] | None:
    """A comma-separated field: None when empty (no limit), else its parts."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    return parts or None


# -- API keys ---------------------------------------------------------------------------------------
async def keys(request: web.Request) -> web.Response:
    admin_only(request)
    return await _keys_page(request, created=None)


async def _keys_page(request: web.Request, created: dict[str, Any] | None, status: int = 200) -> web.Response:
    listed = await request.config_dict[STATE].keys.list()
    return render(request, "ops_keys.html", {"keys": listed, "created": created, "now": utcnow(),
                                             "revoked": request.query.get("revoked", "")}, status=status)


async def create_key(request: web.Request) -> web.Response:
    """The new key is shown on this response only (it is stored as a hash), never in a redirect URL."""
    who = admin_only(request)
    form = await request.post()
    fields: dict[str, Any] = {"name": str(form.get("name", "")).strip(), "admin": "admin" in form,
                              "read_only": "read_only" in form, "tenants": _words(str(form.get("tenants", ""))),
                              "personas": _words(str(form.get("personas", "")))}
    days = str(form.get("expires_days", "")).strip()
    if days:
        fields["expires_days"] = days
    try:
        body = AdminKeyCreate.model_validate(fields)
    except ValidationError as exc:
        raise from_pydantic(exc) from None
    st = request.config_dict[STATE]
    expires = utcnow() + timedelta(days=body.expires_days) if body.expires_days else None
    info, key = await st.keys.create(body.name, admin=body.admin, tenants=body.tenants, personas=body.personas,
                                     expires_at=expires, read_only=body.read_only)
    await audit(request, who.id, None, f"api key {info.id}", status=201)
    return await _keys_page(request, created={"id": info.id, "name": info.name, "key": key}, status=201)


async def revoke_key(request: web.Request) -> web.Response:
    who = admin_only(request)
    key_id = request.match_info["key_id"]
    out = await revoke(request.config_dict[STATE], key_id, who, request.config_dict[WATCHERS])
    await audit(request, who.id, None, f"api key {key_id}")
    return see_other(f"/console/ops/keys?revoked={out.id}")


# -- scheduled jobs ---------------------------------------------------------------------------------
async def jobs(request: web.Request) -> web.Response:
    admin_only(request)
    scheduler = request.config_dict[STATE].services.jobs
    return render(request, "ops_jobs.html", {"enabled": scheduler is not None,
                                             "jobs": scheduler.list() if scheduler else [],
                                             "ran": request.query.get("ran", "")})


async def run_job(request: web.Request) -> web.Response:
    """Waits for the run (as POST /admin/jobs/{id}/run does); a failed run shows its error on the list."""
    who = admin_only(request)
    job_id = request.match_info["job_id"]
    scheduler = request.config_dict[STATE].services.jobs
    if scheduler is None:
        raise not_found(f"job {job_id!r}: scheduled jobs are off (JOBS_ENABLED=false)", field="job_id")
    await audit(request, who.id, None, f"job {job_id}")
    await scheduler.run_now(job_id)
    return see_other(f"/console/ops/jobs?ran={job_id}")


# -- snapshots --------------------------------------------------------------------------------------
async def snapshots(request: web.Request) -> web.Response:
    admin_only(request)
    root = snapshots_root(request.config_dict[STATE].settings.data_dir)
    found = await asyncio.to_thread(list_snapshots, root)
    return render(request, "ops_snapshots.html", {"snapshots": found, "taken": request.query.get("taken", "")})


async def take_snapshot(request: web.Request) -> web.Response:
    who = admin_only(request)
    st = request.config_dict[STATE]
    form = await request.post()
    description = str(form.get("description", "")).strip()[:500] or None
    info = await snapshot_engine(st.engine, kind="manual", description=description, tags=[])
    await audit(request, who.id, None, f"snapshot {info.name}", status=201)
    await asyncio.to_thread(prune_snapshots, snapshots_root(st.settings.data_dir), st.settings.snapshot_keep_count,
                            st.settings.snapshot_keep_days)
    return see_other(f"/console/ops/snapshots?taken={info.name}")


# -- settings and audit log -------------------------------------------------------------------------
async def settings(request: web.Request) -> web.Response:
    admin_only(request)
    values = redacted_settings(request.config_dict[STATE].settings)
    return render(request, "ops_settings.html", {"settings": sorted(values.items())})


async def audit_log(request: web.Request) -> web.Response:
    admin_only(request)
    raw = request.query.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= AUDIT_PAGES_MAX:
        raise ApiError(400, "ValidationError", "page: a whole number from 1", field="page")
    page = int(raw)
    rows, total = await audit_page(request.config_dict[STATE].store.sessions, AUDIT_PAGE, (page - 1) * AUDIT_PAGE)
    entries = [{"at": as_utc(r.at), "actor": r.actor, "method": r.method, "path": r.path, "status": r.status,
                "tenant": r.tenant, "target": r.target} for r in rows]
    return render(request, "ops_audit.html", {"entries": entries, "total": total, "page": page,
                                              "first": (page - 1) * AUDIT_PAGE + 1,
                                              "last": (page - 1) * AUDIT_PAGE + len(entries),
                                              "has_next": page * AUDIT_PAGE < total})
