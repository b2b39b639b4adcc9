"""Discord commands as telemetry: each command (prefix or slash) gets a request id for its log lines,
a span (its searches, LLM calls and saves are its children) and a count by outcome.

Global before/after-invoke hooks run in the command's own task, so the span is made current there.
A slash command that fails skips the after hook: its span is ended by the error listener instead.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace

from bot.telemetry.context import REQUEST_ID, new_request_id
from bot.telemetry.metrics import DISCORD_COMMANDS
from bot.telemetry.tracing import TRACING

if TYPE_CHECKING:
    from contextvars import Token

    from discord.ext import commands


@dataclass(slots=True)
class _Running:
    name: str
    request_id: Token[str | None]
    span: Any = None
    trace_token: object = None


_running: weakref.WeakKeyDictionary[Any, _Running] = weakref.WeakKeyDictionary()
_failed_counted: weakref.WeakSet[Any] = weakref.WeakSet()


def watch_discord(bot: commands.Bot, services: Any) -> None:
    """Hook `bot`'s commands, and follow its connection in services.discord_status (what /health,
    readiness and /metrics report)."""
    services.discord_status.watch(bot)
    bot.before_invoke(_before)
    bot.after_invoke(_after)
    bot.add_listener(_on_error, "on_command_error")


def _name(ctx: commands.Context[Any]) -> str:
    return ctx.command.qualified_name if ctx.command is not None else "unknown"


async def _before(ctx: commands.Context[Any]) -> None:
    run = _Running(_name(ctx), REQUEST_ID.set(new_request_id()))
    tracer = TRACING.tracer
    if tracer is not None:
        run.span = tracer.start_span(f"discord {run.name}", attributes={
            "discord.command": run.name, "discord.slash": ctx.interaction is not None})
        run.trace_token = otel_context.attach(trace.set_span_in_context(run.span))
    _running[ctx] = run


async def _after(ctx: commands.Context[Any]) -> None:
    run = _running.pop(ctx, None)
    if run is None:
        return
    failed = bool(ctx.command_failed)
    if failed:
        _failed_counted.add(ctx)
    _end(run, failed)
    if run.trace_token is not None:
        otel_context.detach(run.trace_token)  # type: ignore[arg-type]
    REQUEST_ID.reset(run.request_id)


async def _on_error(ctx: commands.Context[Any], error: Exception) -> None:
    if ctx.command is None or ctx in _failed_counted:  # unknown command, or counted by the after hook
        return
    run = _running.pop(ctx, None)
    if run is None:
        DISCORD_COMMANDS.labels(_name(ctx), "error").inc()  # failed before it started (arguments, checks)
    else:
        _end(run, True)  # a slash command whose after hook did not run; its own task detaches nothing now


def _end(run: _Running, failed: bool) -> None:
    DISCORD_COMMANDS.labels(run.name, "error" if failed else "ok").inc()
    if run.span is not None:
        if failed:
            run.span.set_status(trace.Status(trace.StatusCode.ERROR, "command failed"))
        run.span.end()
