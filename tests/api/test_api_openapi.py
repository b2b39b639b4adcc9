"""/openapi.json and /docs, and schemathesis over every documented route of `python -m bot api`.

The server is the real process (the `api` subcommand) on 127.0.0.1; schemathesis generates valid and
invalid requests for each operation (bounded: a few examples each, derandomized) and checks that
nothing answers 5xx, every status is documented, and every body matches its schema.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_server import ApiServer
from botproc import bot_command

ROOT = Path(__file__).resolve().parents[2]
# a few examples per operation keep the suite fast; OMOIDE_FUZZ_EXAMPLES=100 digs deeper by hand
POSITIVE_EXAMPLES = int(os.environ.get("OMOIDE_FUZZ_EXAMPLES", 8))
NEGATIVE_EXAMPLES = max(1, POSITIVE_EXAMPLES * 2 // 3)


async def test_spec_lists_every_family_and_docs_work_offline(api: ApiServer) -> None:
    async with api.client() as c:
        spec = (await c.get("/openapi.json")).json()
        docs = await c.get("/docs")
    assert spec["openapi"] == "3.1.0"
    paths = spec["paths"]
    for path, method in [("/save", "post"), ("/search", "post"), ("/memories", "get"), ("/batch-save", "post"),
                         ("/api/memory/characters", "get"), ("/api/memory/character/{memory_id}/stats", "get"),
                         ("/api/memory/character/{memory_id}/all", "delete"), ("/v1/auth/register", "post"),
                         ("/v1/messages/batch", "post"), ("/v1/memory/search", "get"),
                         ("/v1/conversations/{conversation_id}", "get"), ("/v1/tools", "get"),
                         ("/v1/tools/memory_delete", "post"), ("/admin/api-keys", "post"),
                         ("/api/livestream/{persona}/events", "post"), ("/api/livestream/{persona}/stats", "get")]:
        assert method in paths[path], path
    search = paths["/search"]["post"]
    assert search["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/SearchRequest")
    assert spec["components"]["schemas"]["SearchRequest"]["properties"]["top_k"]["maximum"] == 1000
    assert "Retry-After" in search["responses"]["429"]["headers"]
    assert paths["/health/"]["get"]["security"] == [] and "security" not in search
    assert docs.status_code == 200 and "/openapi.json" in docs.text
    assert not re.search(r"""(src|href)=["']https?://""", docs.text)  # no CDN: works offline


@pytest.fixture(scope="module")
def bot_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """`python -m bot api` on a free port; yields (base_url, admin key)."""
    data = tmp_path_factory.mktemp("schemathesis") / "data"
    env = {**os.environ, "DATA_DIR": str(data), "API_PORT": "0", "API_RATE_LIMIT_PER_MINUTE": "0",
           "DISCORD_TOKEN": "", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.Popen(bot_command("api"), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    found: queue.Queue[int] = queue.Queue()

    def drain() -> None:  # keep reading: a full pipe would block the server's logging
        for line in proc.stderr:  # type: ignore[union-attr]
            lines.append(line)
            if m := re.search(r"api listening on http://127\.0\.0\.1:(\d+)", line):
                found.put(int(m.group(1)))

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        try:
            port = found.get(timeout=180)
        except queue.Empty:
            raise AssertionError("".join(lines)) from None
        yield f"http://127.0.0.1:{port}", (data / "admin.key").read_text().strip()
    finally:
        proc.send_signal(signal.SIGTERM)
        out = proc.stdout.read()  # type: ignore[union-attr]
        proc.wait(timeout=60)
        reader.join(timeout=10)
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]
    err = "".join(lines)
    assert proc.returncode == 0, err
    assert "stopped cleanly" in err and "DISCORD_TOKEN" not in err  # `api` alone does not ask for Discord
    assert out.count("omo_") == 1  # the admin key was printed once
    assert "Traceback" not in err, err[-5000:]


def test_api_subcommand_serves_alone(bot_api: tuple[str, str]) -> None:
    base, key = bot_api
    assert httpx.get(f"{base}/health/").json()["status"] == "healthy"
    assert httpx.get(f"{base}/v1/tools", headers={"X-API-Key": key}).status_code == 200


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_schemathesis_finds_no_server_error_and_no_schema_violation(bot_api: tuple[str, str], mode: str) -> None:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    base, key = bot_api
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
              response_headers_conformance]
    gen = GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE
    examples = POSITIVE_EXAMPLES if mode == "positive" else NEGATIVE_EXAMPLES
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        op = result.ok()
        operations += 1

        @given(case=op.as_strategy(generation_mode=gen))
        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            if mode == "positive" and case.headers:  # a made-up signature only ever gets 401: go past auth
                for name in ("X-Signature", "X-Timestamp"):
                    case.headers.pop(name, None)
            case.call_and_validate(base_url=base, headers={"X-API-Key": key}, checks=checks)

        try:
            run()
        except Unsatisfiable:  # nothing to make invalid (no parameters, no body): nothing to test
            assert mode == "negative", op.label
        except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure, report them together
            failures.append(f"{op.label}: {str(exc)[:1500]}")  # bounded: curl lines can be huge
    assert operations >= 30
    assert not failures, "\n\n".join(failures)
