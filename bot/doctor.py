"""`python -m bot doctor`: check what the bot needs before starting it, and say what to fix.

Checks, in the order a new user meets them: DATA_DIR is writable, the persona files load, the embedding
model loads and encodes, the reranker (RERANK_MODEL, when set) loads and scores, a Discord token is set,
and the language model answers one short request (each persona's own model too). Without a model it
looks for a local Ollama or llama.cpp server. It never takes the data-dir lock, so it runs beside a running
bot. Exit code 0 when nothing needs fixing.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import TextIO

from bot.llm.client import LLMClient, LLMError
from bot.llm.detect import client_at_start, find_local_server
from bot.llm.routing import ModelRouter
from bot.personas import PersonaError, PersonaRegistry
from config import Settings

OK, BAD, INFO = "✔", "✘", "•"
PING = [{"role": "user", "content": "Reply with one short word: hello"}]
FIXES = {
    "connection": "is the server running? (`ollama serve`, or `llama-server -m model.gguf --port 8080`)",
    "timeout": "the server took too long: a smaller model, or a larger LLM_TIMEOUT_SECONDS",
    "client": "the server refused the request: check LLM_MODEL (`ollama list`) and LLM_API_KEY",
    "server": "the server failed: see its own log",
    "rate_limited": "the server is rate limiting: wait, or check the plan of the hosted service",
    "bad_response": "LLM_BASE_URL must be the OpenAI-compatible root (usually ending in /v1)",
}


class Report:
    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.problems = 0

    def line(self, mark: str, text: str, fix: str | None = None) -> None:
        if mark == BAD:
            self.problems += 1
        print(f"{mark} {text}", file=self.out, flush=True)
        if fix:
            print(f"    fix: {fix}", file=self.out, flush=True)


def check_data_dir(settings: Settings, report: Report) -> None:
    folder = settings.data_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".doctor-{uuid.uuid4().hex}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        report.line(BAD, f"DATA_DIR {folder} is not writable ({exc.strerror or exc})",
                    "point DATA_DIR at a folder this user can write, or fix its permissions")
        return
    report.line(OK, f"DATA_DIR {folder.resolve()} is writable")


def check_personas(settings: Settings, report: Report) -> PersonaRegistry | None:
    try:
        registry = PersonaRegistry.load(settings.personas_dir, settings.default_persona)
    except PersonaError as exc:
        report.line(BAD, f"persona files: {exc}", "correct the field named above (see config/personas/cocoro.toml)")
        return None
    report.line(OK, f"personas load: {', '.join(registry.names())} (default {registry.default.memory_id})")
    return registry


def check_model(settings: Settings, report: Report) -> None:
    from memory.embedding.factory import create_embedder

    started = time.perf_counter()
    try:
        embedder = create_embedder(settings.embedding_model, settings.embedding_backend, settings.data_dir / "models",
                                   threads=settings.embedding_threads)
        vectors = embedder.encode(["query: こんにちは"])
    except Exception as exc:  # any failure here is the thing to report
        report.line(BAD, f"embedding model {settings.embedding_model} does not load: {exc}",
                    "check EMBEDDING_MODEL / EMBEDDING_BACKEND; a fastembed model name needs internet once")
        return
    report.line(OK, f"embedding model {embedder.model_id} loads ({vectors.shape[1]} dimensions, "
                    f"{time.perf_counter() - started:.1f} s)")


RERANK_FIX = ("give a directory holding an exported cross-encoder (model.onnx, tokenizer.json, tokenizer_config.json) "
              "or a fastembed reranker name (downloaded once), or leave RERANK_MODEL empty to search without "
              "reranking: the bot does not start with a model it cannot load")


def _fastembed_name(model: str) -> bool:
    from fastembed.rerank.cross_encoder import TextCrossEncoder

    return model.lower() in {m["model"].lower() for m in TextCrossEncoder.list_supported_models()}


def check_rerank(settings: Settings, report: Report) -> None:
    """RERANK_MODEL, when set: the cross-encoder loads and scores one pair (the bot refuses to start otherwise)."""
    from memory.errors import RerankerUnavailableError
    from memory.options import EngineOptions
    from memory.rerank.factory import create_reranker

    model = settings.rerank_model
    if not model:
        return
    started = time.perf_counter()
    try:
        reranker = create_reranker(EngineOptions.from_settings(settings))
    except RerankerUnavailableError as exc:
        cause = exc.__cause__ or exc
        why = (f"{type(cause).__name__}: {cause}" if Path(model).expanduser().exists() or _fastembed_name(model)
               else "no such directory, and not a fastembed reranker name")
        report.line(BAD, f"RERANK_MODEL={model!r} does not load ({why})", RERANK_FIX)
        return
    assert reranker is not None  # RERANK_MODEL is set
    try:
        asyncio.run(reranker.rerank("こんにちは", ["こんにちは、元気です"]))
    except Exception as exc:  # any failure here is the thing to report
        report.line(BAD, f"RERANK_MODEL={model!r} loads but fails to score a pair ({type(exc).__name__}: {exc})",
                    RERANK_FIX)
        return
    finally:
        reranker.close()
    report.line(OK, f"RERANK_MODEL={model!r} loads and scores ({time.perf_counter() - started:.1f} s)")


def check_discord(settings: Settings, report: Report) -> None:
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    if not token:
        report.line(BAD, "DISCORD_TOKEN is not set: the API runs, the Discord bot does not",
                    "copy the bot token (Developer Portal > Bot > Reset Token) into .env as DISCORD_TOKEN=...")
    elif token.count(".") != 2:
        report.line(BAD, "DISCORD_TOKEN does not look like a bot token (three parts separated by dots)",
                    "copy it again from the Developer Portal (Bot > Reset Token); not the client secret")
    else:
        report.line(OK, "DISCORD_TOKEN is set (whether Discord accepts it shows at start)")


async def ping(client: LLMClient, label: str, report: Report) -> None:
    probe = LLMClient(client.base_url, client.model, api_key=client.api_key, timeout=client.timeout, max_retries=0,
                      temperature=0.0, max_tokens=16)
    started = time.perf_counter()
    try:
        result = await probe.chat(PING)
    except LLMError as exc:
        report.line(BAD, f"{label}: model {client.model} at {client.base_url} did not answer ({exc})",
                    FIXES.get(exc.kind))
        return
    finally:
        await probe.close()
    said = " ".join(result.content.split())[:60]
    report.line(OK, f"{label}: model {client.model} at {client.base_url} answered in "
                    f"{time.perf_counter() - started:.1f} s: {said!r}")


async def check_llm(settings: Settings, registry: PersonaRegistry | None, report: Report) -> None:
    default = LLMClient.from_settings(settings)
    if default is not None:
        await ping(default, "LLM_BASE_URL", report)
    else:
        found = await find_local_server(settings)
        if found is None:
            report.line(INFO, "no language model is set: the built-in companion gives short replies (optional: "
                              "README, 'A language model', names small models that speak Japanese)")
        elif settings.llm_autodetect:
            detected = await client_at_start(settings)
            if detected is not None:
                await ping(detected, f"{found.kind} found on this machine (LLM_AUTODETECT=true)", report)
        else:
            report.line(INFO, f"no language model is set, but {found.kind} answers at {found.base_url} "
                              f"(models: {', '.join(found.models) or 'none pulled'})",
                        f"add {found.settings_lines()} to .env, or LLM_AUTODETECT=true")
    if registry is None:
        return
    router = ModelRouter(default, settings)
    try:
        for persona in registry.all():
            client = router.client_for(persona) if persona.own_model else None
            if client is not None and persona.llm_base_url:
                await ping(client, f"persona {persona.memory_id}", report)
    finally:
        await router.close()
        if default is not None:
            await default.close()


def run_doctor(settings: Settings, out: TextIO) -> int:
    """Run every check, print one line each (with the fix under a problem); 0 when nothing needs fixing."""
    report = Report(out)
    check_data_dir(settings, report)
    registry = check_personas(settings, report)
    check_model(settings, report)
    check_rerank(settings, report)
    check_discord(settings, report)
    asyncio.run(check_llm(settings, registry, report))
    print(f"{report.problems} problem(s) to fix" if report.problems else "all good", file=out, flush=True)
    return 1 if report.problems else 0
