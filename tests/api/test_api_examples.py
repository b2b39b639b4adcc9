"""Every route's examples in /openapi.json: present, valid against their own schemas, and what the server says.

The replay sends each example request to a real app on 127.0.0.1, in the order the examples are listed (a
story on an empty server), with the ids the server made put in place of the documented ones, and compares
each answer's shape with the documented answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

import aiohttp
import httpx
import pytest
from api_server import ApiServer, MakeApi
from example_shapes import differences
from jsonschema import Draft202012Validator

from bot.api.examples import EXAMPLES
from bot.api.examples.realtime import LIVE_REPLY, MESSAGE, ROUTES
from bot.api.state import SERVICES
from bot.scheduler import JobScheduler

SERVER_MADE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|eyJ[\w.-]+|\d{8}T\d{6}Z")


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, item in spec["paths"].items() for method, op in item.items()]


def success(op: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
    code, response = next((c, r) for c, r in op["responses"].items() if c.startswith("2"))
    media, content = next(iter(response["content"].items()))
    return int(code), media, content


def valid(spec: dict[str, Any], schema: dict[str, Any], value: Any) -> list[str]:
    validator = Draft202012Validator({**schema, "components": spec["components"]})
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)]


def example_value(media: dict[str, Any]) -> Any:
    return next(iter(media["examples"].values()))["value"]


async def test_every_operation_has_examples_valid_against_their_schemas(api: ApiServer) -> None:
    async with api.client() as c:
        spec = (await c.get("/openapi.json")).json()
    problems: list[str] = []
    ops = operations(spec)
    for method, path, op in ops:
        name = f"{method} {path}"
        _, _, media = success(op)
        if "examples" not in media:
            problems.append(f"{name}: no response example")
        else:
            problems += [f"{name} response {e}" for e in valid(spec, media["schema"], example_value(media))]
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            if "examples" not in body:
                problems.append(f"{name}: no request example")
            else:
                problems += [f"{name} request {e}" for e in valid(spec, body["schema"], example_value(body))]
        for param in op.get("parameters", []):
            if param["required"] and "example" not in param:
                problems.append(f"{name}: no example for parameter {param['name']}")
            elif "example" in param:
                problems += [f"{name} {param['name']} {e}" for e in valid(spec, param["schema"], param["example"])]
        for code, response in op["responses"].items():
            for content in response.get("content", {}).values():
                if int(code) >= 400:
                    problems += [f"{name} {code} {e}" for e in valid(spec, content["schema"], content.get("example"))]
    assert len(ops) == len(EXAMPLES) >= 80
    assert not problems, "\n".join(problems)


def _learn(documented: Any, real: Any, ids: dict[str, str]) -> None:
    """Remember which value the server made where the example shows a made-up one."""
    if isinstance(documented, dict) and isinstance(real, dict):
        for key in set(documented) & set(real):
            _learn(documented[key], real[key], ids)
    elif isinstance(documented, list) and isinstance(real, list):
        for doc, got in zip(documented, real, strict=False):
            _learn(doc, got, ids)
    elif isinstance(documented, str) and isinstance(real, str) and documented != real:
        ids.setdefault(documented, real)


def _put(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _put(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_put(v, ids) for v in value]
    return ids.get(value, value) if isinstance(value, str) else value


def _unknown(value: Any, ids: dict[str, str]) -> bool:
    """A server-made id no earlier example made: the example refers to data the story does not create."""
    text = json.dumps(value)
    return any(found not in ids for found in SERVER_MADE.findall(text))


@pytest.mark.sqlite_only
async def test_examples_replayed_on_a_real_server_answer_as_documented(make_api: MakeApi) -> None:
    api = await make_api(api_rate_limit_per_minute=0)
    services = api.app[SERVICES]
    services.jobs = JobScheduler(services).start()  # POST /admin/jobs/{job_id}/run needs them (closed with services)
    async with api.client() as c:
        spec = (await c.get("/openapi.json")).json()
    ops = {f"{m} {p}": (p, op) for m, p, op in operations(spec)}
    ids: dict[str, str] = {}
    token = ""
    replayed, skipped, problems = [], [], []
    async with httpx.AsyncClient(base_url=api.base_url, timeout=120) as c:
        for name, example in EXAMPLES.items():
            method, (path, op) = name.split(" ", 1)[0], ops[name]
            if _unknown([example.params, example.request], ids):
                skipped.append(name)
                continue
            params, body = _put(dict(example.params), ids), _put(example.request, ids)
            url = re.sub(r"{(\w+)}", lambda m: str(params.pop(m.group(1))), path)  # noqa: B023
            headers = {"Authorization": f"Bearer {token}"} if example.as_user else {"X-API-Key": api.admin_key}
            r = await c.request(method, url, params=params, headers=headers,
                                json=body if body is not None else None)
            code, media, content = success(op)
            replayed.append(name)
            if r.status_code != code or not r.headers["content-type"].startswith(media):
                problems.append(f"{name}: {r.status_code} {r.headers['content-type']} {r.text[:300]}")
                continue
            if media != "application/json":  # JSON lines and Prometheus text: the same kind of lines
                first = example.response.splitlines()[0]
                assert r.text.splitlines()[0][:1] == first[:1], name
                continue
            real = r.json()
            problems += [f"{name} {d}" for d in differences(spec, content["schema"], example.response, real)]
            _learn(example.response, real, ids)
            token = real.get("access_token", token) if isinstance(real, dict) else token
    assert not problems, "\n".join(problems)
    assert skipped == ["DELETE /admin/mesh-users/{user_id}"]  # another user's id: the story makes only one
    assert len(replayed) == len(EXAMPLES) - 1


async def test_realtime_examples_are_what_the_sockets_and_mcp_send(api: ApiServer) -> None:
    async with api.client() as c:
        spec = (await c.get("/openapi.json")).json()
    assert [r["path"] for r in spec["x-realtime"]] == [r.path for r in ROUTES]
    assert {"/ws/messages/{tenant_id}", "/api/livestream/{persona}/ws", "/mcp"} <= {r.path for r in ROUTES}
    key = {"X-API-Key": api.admin_key}
    async with aiohttp.ClientSession(base_url=api.base_url) as s:
        async with s.ws_connect(f"/ws/messages/my-app?api_key={api.admin_key}") as ws:
            assert await ws.receive_json() == {"type": "subscribed", "tenant_id": "my-app"}
            sent = {k: MESSAGE[k] for k in ("tenant_id", "conversation_id", "role", "content", "importance",
                                             "metadata")}
            assert (await s.post("/v1/messages", json=sent, headers=key)).status == 201
            pushed = await ws.receive_json()
            assert pushed["type"] == "message.created" and set(pushed["data"]) == set(MESSAGE)
            await ws.send_str("ping")
            assert await ws.receive_json() == {"type": "pong"}
        async with s.ws_connect("/api/livestream/listy/ws", headers=key) as ws:
            assert await ws.receive_json() == {"type": "subscribed", "persona": "listy"}
            event = EXAMPLES["POST /api/livestream/{persona}/events"].request
            assert (await s.post("/api/livestream/listy/events", json=event, headers=key)).status == 200
            reply = await ws.receive_json()
            assert set(reply) == set(LIVE_REPLY) and reply["event_id"] == LIVE_REPLY["event_id"]
        mcp = next(r for r in ROUTES if r.path == "/mcp")
        call = mcp.client_sends[-1].example
        r = await s.post("/mcp", json=call, headers={"Authorization": f"Bearer {api.admin_key}",
                                                     "Accept": "application/json, text/event-stream"})
        answer = await r.json()
        documented = mcp.server_sends[-1].example
        assert r.status == 200 and set(answer["result"]) == set(documented["result"])
        assert set(answer["result"]["structuredContent"]) == set(documented["result"]["structuredContent"])


async def test_spec_documents_signed_requests_and_docs_page_keeps_its_policy(api: ApiServer) -> None:
    async with api.client() as c:
        spec = (await c.get("/openapi.json")).json()
        page = await c.get("/docs")
        script = await c.get("/docs/docs.js")
    schemes = spec["components"]["securitySchemes"]
    assert schemes["RequestSignature"]["name"] == "X-Signature" and schemes["RequestTimestamp"]["name"] == "X-Timestamp"
    assert "HMAC-SHA256" in schemes["RequestSignature"]["description"]
    assert {"ApiKeyAuth": [], "RequestSignature": [], "RequestTimestamp": []} in spec["security"]
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in page.text and '<script src="/docs/docs.js">' in page.text
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
