"""Real models one step away: a local Ollama or llama.cpp server found at start (reported in one line, used
only when opted in), `python -m bot doctor`, and per-persona models; against OpenAI-protocol fakes on
127.0.0.1 (the probed URLs are settings, pointed at the fakes)."""

from __future__ import annotations

import asyncio
import io
import logging
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.doctor import Report, check_llm
from bot.llm.detect import client_at_start
from bot.personas import BUILTIN_DIR
from bot.services import Services
from config.settings import Settings
from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from tests.botproc import ROOT, bot_command, bot_env, seed_model
from tests.fake_llm import FakeLLM


@pytest.fixture
async def ollama() -> AsyncIterator[FakeLLM]:
    server = await FakeLLM(("qwen2.5:3b-instruct", "gemma3:4b"), ollama=True).start()
    yield server
    await server.stop()


def nothing_listens() -> str:
    """A loopback URL where no server answers (a port that was just free)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def settings_for(tmp_path: Path, **values: Any) -> Settings:
    base: dict[str, Any] = {"data_dir": tmp_path / "data", "jobs_enabled": False,
                            "llm_probe_ollama_url": nothing_listens(), "llm_probe_llamacpp_url": nothing_listens()}
    return Settings(_env_file=None, **{**base, **values})  # type: ignore[call-arg]


def llm_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "omoide.llm"]


async def test_a_local_ollama_is_reported_in_one_line_and_not_used_unless_opted_in(
        tmp_path: Path, ollama: FakeLLM, caplog: pytest.LogCaptureFixture) -> None:
    settings = settings_for(tmp_path, llm_probe_ollama_url=ollama.root_url)
    with caplog.at_level(logging.INFO, logger="omoide.llm"):
        assert await client_at_start(settings) is None
    url = ollama.base_url
    assert llm_log(caplog) == [
        f"found Ollama at {url} (models: qwen2.5:3b-instruct, gemma3:4b) but no language model is set; to use it "
        f"add LLM_BASE_URL={url} LLM_MODEL=qwen2.5:3b-instruct to .env, or LLM_AUTODETECT=true"]
    assert ollama.requests == []  # looked at, never asked anything


async def test_nothing_on_loopback_says_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="omoide.llm"):
        assert await client_at_start(settings_for(tmp_path, llm_autodetect=True)) is None
    assert llm_log(caplog) == []


async def test_opted_in_the_bot_talks_through_the_local_ollama_from_start(
        tmp_path: Path, ollama: FakeLLM, embedder: Embedder, model_dir: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    seed_model(model_dir, tmp_path / "data")
    settings = settings_for(tmp_path, llm_probe_ollama_url=ollama.root_url, llm_autodetect=True)
    with caplog.at_level(logging.INFO, logger="omoide.llm"):
        services = await Services.start(settings)
    try:
        assert llm_log(caplog)[0].startswith(f"using Ollama found at {ollama.base_url} with model qwen2.5:3b-instruct "
                                             "(LLM_AUTODETECT=true)")
        reply = await services.conversation.reply(services.personas.default, "alice", "こんにちは",
                                                  user_name="alice")
        assert reply.used_llm and reply.text.startswith("LLM reply to: こんにちは")
        assert ollama.chat_requests()[0]["model"] == "qwen2.5:3b-instruct"
    finally:
        await services.close()


async def test_a_llamacpp_server_is_found_by_its_models_route(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    server = await FakeLLM(("qwen2.5-3b-instruct-q4_k_m.gguf",)).start()
    try:
        settings = settings_for(tmp_path, llm_probe_llamacpp_url=server.root_url, llm_autodetect=True)
        with caplog.at_level(logging.INFO, logger="omoide.llm"):
            client = await client_at_start(settings)
        assert client is not None and client.base_url == server.base_url
        assert client.model == "qwen2.5-3b-instruct-q4_k_m.gguf" and "llama.cpp" in llm_log(caplog)[0]
        assert (await client.chat([{"role": "user", "content": "hi"}])).content.startswith("LLM reply to: hi")
        await client.close()
    finally:
        await server.stop()


async def test_doctor_checks_the_essentials_and_the_model_with_one_request(
        tmp_path: Path, embedder: Embedder, model_dir: Path) -> None:
    fake = await FakeLLM().start()
    data = tmp_path / "data"
    seed_model(model_dir, data)
    env = bot_env(data, LLM_BASE_URL=fake.base_url, LLM_MODEL="test-model", LLM_PROBE_OLLAMA_URL=nothing_listens(),
                  LLM_PROBE_LLAMACPP_URL=nothing_listens())
    try:  # the fake answers on this loop while the doctor runs in its own process
        proc = await asyncio.to_thread(subprocess.run, bot_command("doctor"), cwd=ROOT, env=env, capture_output=True,
                                       text=True, timeout=300)
    finally:
        await fake.stop()
    lines = proc.stdout.splitlines()
    assert lines[0] == f"✔ DATA_DIR {data.resolve()} is writable"
    assert lines[1] == "✔ personas load: cocoro, listy, nova (default cocoro)"
    assert lines[2].startswith("✔ embedding model omoide/multilingual-e5-small-q4 loads (384 dimensions")
    assert lines[3:5] == ["✘ DISCORD_TOKEN is not set: the API runs, the Discord bot does not",
                          "    fix: copy the bot token (Developer Portal > Bot > Reset Token) into .env as "
                          "DISCORD_TOKEN=..."]
    assert lines[5].startswith(f"✔ LLM_BASE_URL: model test-model at {fake.base_url} answered in ")
    assert lines[6:] == ["1 problem(s) to fix"] and proc.returncode == 1
    assert len(fake.requests) == 1 and fake.requests[0]["max_tokens"] == 16  # one short request


async def test_doctor_says_what_to_fix_when_the_model_does_not_answer(tmp_path: Path) -> None:
    dead = nothing_listens() + "/v1"
    out = io.StringIO()
    await check_llm(settings_for(tmp_path, llm_base_url=dead, llm_model="qwen2.5:3b"), None, Report(out))
    assert out.getvalue().splitlines() == [
        f"✘ LLM_BASE_URL: model qwen2.5:3b at {dead} did not answer (cannot reach {dead}/chat/completions: "
        "ClientConnectorError)",
        "    fix: is the server running? (`ollama serve`, or `llama-server -m model.gguf --port 8080`)"]


def persona_dir(tmp_path: Path, **extra: str) -> Path:
    """The shipped personas, plus one file per keyword: a copy of Nova under that memory_id with its fields."""
    folder = tmp_path / "personas"
    shutil.copytree(BUILTIN_DIR, folder)
    nova = (BUILTIN_DIR / "nova.toml").read_text(encoding="utf-8")
    for memory_id, fields in extra.items():
        text = nova.replace('memory_id = "nova"', f'memory_id = "{memory_id}"\n{fields}')
        (folder / f"{memory_id}.toml").write_text(text, encoding="utf-8")
    return folder


async def test_each_persona_answers_with_its_own_model(engine: MemoryEngine, tmp_path: Path) -> None:
    shared, own = await FakeLLM(("base-model",)).start(), await FakeLLM(("kuro-model",)).start()
    folder = persona_dir(tmp_path, kuro=f'llm_base_url = "{own.base_url}"\nllm_model = "kuro-model"\n'
                                        "temperature = 0.2", warm="temperature = 1.1")
    settings = settings_for(tmp_path, personas_dir=folder, llm_base_url=shared.base_url, llm_model="base-model",
                            llm_api_key="sk-shared-secret")
    services = Services(settings=settings, engine=engine)
    conv, personas = services.conversation, services.personas
    try:
        kuro = await conv.reply(personas.get("kuro"), "alice", "hello Kuro", user_name="alice")  # type: ignore[arg-type]
        await conv.drain()
        assert kuro.used_llm and [(r["model"], r["temperature"]) for r in own.chat_requests()] == [("kuro-model", 0.2)]
        assert len(own.requests) == 2  # the reply and the summary of the turn, both by its own model
        assert all("Authorization" not in h for h in own.headers)  # LLM_API_KEY stays with LLM_BASE_URL
        assert shared.requests == []
        await conv.reply(personas.get("cocoro"), "alice", "こんにちは", user_name="alice")  # type: ignore[arg-type]
        await conv.reply(personas.get("warm"), "alice", "hi there", user_name="alice")  # type: ignore[arg-type]
        await conv.drain()
        assert [(r["model"], r["temperature"]) for r in shared.chat_requests()] == [("base-model", 0.7),
                                                                                  ("base-model", 1.1)]
        assert all(h["Authorization"] == "Bearer sk-shared-secret" for h in shared.headers)
        assert conv.models.describe(personas.get("kuro")) == "kuro-model"  # type: ignore[arg-type]
    finally:
        await services.close()
        await shared.stop()
        await own.stop()


async def test_without_a_default_model_only_the_persona_with_its_own_uses_one(engine: MemoryEngine,
                                                                              tmp_path: Path) -> None:
    own = await FakeLLM(("kuro-model",)).start()
    folder = persona_dir(tmp_path, kuro=f'llm_base_url = "{own.base_url}"\nllm_model = "kuro-model"')
    services = Services(settings=settings_for(tmp_path, personas_dir=folder), engine=engine)
    conv = services.conversation
    try:
        kuro = await conv.reply(services.personas.get("kuro"), "bob", "hello", user_name="bob")  # type: ignore[arg-type]
        nova = await conv.reply(services.personas.get("nova"), "bob", "hello", user_name="bob")  # type: ignore[arg-type]
        assert kuro.used_llm and not nova.used_llm and nova.text.startswith(("Hey bob!", "Oh hi bob!"))
    finally:
        await services.close()
        await own.stop()
