"""Mounts the console at /console on the API's application: `setup(app)` (listed in bot.api.app)."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.api.state import STATE
from bot.console import ask, charts, growth, live, login, memories, ops, personas, privacy, users
from bot.console.pipeline import console_pipeline
from bot.console.render import SIGNER
from bot.console.tokens import ConsoleSigner

HERE = Path(__file__).resolve().parent
PREFIX = "/console"


def build(signer: ConsoleSigner) -> web.Application:
    console = web.Application(middlewares=[console_pipeline])
    console[SIGNER] = signer
    aiohttp_jinja2.setup(console, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                         default_helpers=False, trim_blocks=True, lstrip_blocks=True)
    r = console.router
    r.add_get("", personas.overview)
    r.add_get("/", personas.overview)
    r.add_get("/login", login.login_page)
    r.add_post("/login", login.login)
    r.add_post("/logout", login.logout)
    r.add_get("/cube/{tenant}/{cube}", memories.browse)
    r.add_post("/cube/{tenant}/{cube}/delete", memories.delete_selected)
    r.add_get("/cube/{tenant}/{cube}/emotions", charts.emotions)
    r.add_get("/cube/{tenant}/{cube}/growth", growth.growth)
    r.add_get("/cube/{tenant}/{cube}/users", users.users)
    r.add_post("/cube/{tenant}/{cube}/users/link", users.issue_link)
    r.add_get("/memory/{id}", memories.detail)
    r.add_post("/memory/{id}", memories.edit)
    r.add_post("/memory/{id}/delete", memories.delete_one)
    r.add_get("/live/{persona}", live.page)
    r.add_get("/live/{persona}/ws", live.socket)
    r.add_get("/ops/keys", ops.keys)
    r.add_post("/ops/keys", ops.create_key)
    r.add_post("/ops/keys/{key_id}/revoke", ops.revoke_key)
    r.add_get("/ops/jobs", ops.jobs)
    r.add_post("/ops/jobs/{job_id}/run", ops.run_job)
    r.add_get("/ops/snapshots", ops.snapshots)
    r.add_post("/ops/snapshots", ops.take_snapshot)
    r.add_get("/ops/settings", ops.settings)
    r.add_get("/ops/audit", ops.audit_log)
    r.add_get("/privacy/ask", ask.ask)  # before /privacy/{token}
    r.add_get("/privacy/{token}", privacy.page)
    r.add_post("/privacy/{token}/delete", privacy.delete)
    r.add_get("/privacy/{token}/export.jsonl", privacy.download)
    r.add_static("/static/", HERE / "static", append_version=True)
    return console


def setup(app: web.Application) -> None:
    app.add_subapp(PREFIX, build(ConsoleSigner.from_settings(app[STATE].settings, app[STATE].engine.clock)))
