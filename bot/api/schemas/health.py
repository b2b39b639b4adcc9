"""Liveness and readiness (GET /health/live, /health/ready): what an orchestrator and an operator read."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class LiveResponse(BaseModel):
    status: Literal["alive"] = "alive"
    uptime_seconds: float


class CheckOut(BaseModel):
    ok: bool
    detail: str = Field(description="What was found, or what is wrong and what to look at")


class DiscordCheckOut(CheckOut):
    state: Literal["off", "connecting", "connected", "reconnecting", "stopped"] = Field(
        description="The same state /health reports under discord. off: no Discord client in this process; "
                    "stopped: the client gave up (the log says why)")


class ReadyChecks(BaseModel):
    database: CheckOut
    migrations: CheckOut = Field(description="The database's schema revision is the one this release runs on")
    model: CheckOut
    discord: DiscordCheckOut


class ReadyResponse(BaseModel):
    status: Literal["ready", "degraded", "not_ready"] = Field(
        description="not_ready (HTTP 503): the database, its schema revision or the model is unusable; degraded "
                    "(HTTP 200): the API serves but the Discord bot is not connected")
    checks: ReadyChecks
    problems: list[str] = Field(description="One line per failed check (empty when ready)")
