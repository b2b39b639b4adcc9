"""Discord commands as an operator sees them: counted by command and outcome, each one a span with its
search under it (prefix and slash alike), readiness reporting the client, no message text in spans."""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY

from bot.api.routes.observability import discord_check
from bot.services import Services


def commands(name: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("omoide_discord_commands_total", {"command": name, "outcome": outcome}) or 0.0


async def test_commands_are_counted_and_traced(simcord_env: Any, services: Services,
                                               spans: InMemorySpanExporter) -> None:
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    before = commands("memorize", "ok"), commands("remember", "ok"), commands("memorize", "error")
    await alice.send(channel, "!memorize 私の好きな食べ物は味噌ラーメンです")
    res = await alice.slash(channel, "remember", query="好きな食べ物")
    assert "味噌ラーメン" in str([f.value for e in res.response.embeds for f in e.fields])
    await alice.send(channel, "!memorize")  # no text: refused before it runs, with a message
    assert [type(e).__name__ for e in simcord_env.errors] == ["MissingRequiredArgument"]
    assert commands("memorize", "ok") - before[0] == 1
    assert commands("remember", "ok") - before[1] == 1
    assert commands("memorize", "error") - before[2] == 1
    assert commands("memorize", "ok") - before[0] == 1  # counted once, as an error

    every = spans.get_finished_spans()
    (remember,) = [s for s in every if s.name == "discord remember"]
    assert remember.attributes is not None and remember.attributes["discord.slash"] is True
    search = [s for s in every if s.name == "search" and s.parent and s.parent.span_id == remember.context.span_id]
    assert search, [s.name for s in every]
    memorize = [s for s in every if s.name == "discord memorize"]
    assert memorize and memorize[0].attributes is not None and memorize[0].attributes["discord.slash"] is False
    values = [str(v) for s in every for v in (s.attributes or {}).values()]
    assert not any("味噌" in v or "好きな" in v or str(alice.id) in v for v in values)

    check = discord_check(services)  # the simulated client is the process's Discord client
    assert check.ok and check.state == "connected" and "1 guild(s)" in check.detail
