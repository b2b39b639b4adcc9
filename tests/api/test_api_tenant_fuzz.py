"""Property-based fuzz of every documented route with every kind of credential: no 5xx, no leak.

The API serves on 127.0.0.1 (in a thread: schemathesis' client is synchronous). Four tenants get
canary texts first (a scoped key's tenant, a key's tenant holding only a conversation, a Memory Mesh
user's tenant, the Discord/livestream `default` tenant) plus the admin's Resonant data. Then
schemathesis generates requests for each operation in /openapi.json and each one is sent with every
credential (admin key, tenant-scoped key, Mesh user token, that user's own key, a user owning nothing,
a forged and a malformed token, none), Hypothesis steering its tenant ids, ids and user ids towards the
tenants that credential must not reach. Every answer must be below 500 and must not contain a canary
its credential may not see. The suite's budget is one valid request per operation and credential
(about 800 requests; invalid ones with the admin key are test_api_openapi.py's).
OMOIDE_TENANT_FUZZ_EXAMPLES=50 digs deeper by hand and adds invalid requests (for the credentials that
get past authentication: the others end in 401 before any validation).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
import requests
from thread_api import ThreadedApi

from memory.embedding.base import Embedder

EXAMPLES = int(os.environ.get("OMOIDE_TENANT_FUZZ_EXAMPLES", 1))
RUN = secrets.token_hex(4)
CANARY = {name: f"canary-{name}-{RUN}-{secrets.token_hex(6)}" for name in ("a", "b", "c", "default", "resonant")}
TENANT_A, TENANT_B, TENANT_C = f"fuzz-a-{RUN}", f"fuzz-b-{RUN}", f"fuzz-c-{RUN}"
# X-Tenant-ID values beside the real tenants: printable Latin-1 text (what an HTTP client sends; é and
# the like arrive as bytes that are not UTF-8; requests refuses leading spaces), and one far over the bound
HEADER_TEXT = "".join(chr(c) for c in [*range(0x20, 0x7F), *range(0xA0, 0x100)])


@dataclass
class Credential:
    name: str
    headers: dict[str, str]
    may_see: frozenset[str]  # canary names this credential may read
    own_tenant: str | None = None  # its tenant, for requests that stay home but name another's ids
    invalid_too: bool = True  # also send it the invalid requests of deeper runs
    authenticated: bool = True  # False: every request ends in 401, so one unsteered send is enough


@dataclass
class World:
    base: str
    credentials: list[Credential]
    # canary name -> field name -> real values in that canary's tenant, for steering requests at it
    values: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def add(self, name: str, owner: str, *values: str) -> None:
        self.values.setdefault(owner, {}).setdefault(name, []).extend(values)

    def victims(self, cred: Credential) -> list[str]:
        return [owner for owner in self.values if owner not in cred.may_see]


def _ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code < 300, r.text
    return r.json()


def _seed(base: str, admin_key: str) -> World:
    """Canary data in each tenant, made through the API by whoever owns it."""
    admin = httpx.Client(base_url=base, headers={"X-API-Key": admin_key}, timeout=120)
    key_a = _ok(admin.post("/admin/api-keys", json={"name": "fuzz-a", "tenants": [TENANT_A]}))["key"]
    a = httpx.Client(base_url=base, headers={"X-API-Key": key_a}, timeout=120)
    world = World(base, [])
    # tenant A: memories, conversations and messages of an admin-made key
    saved = _ok(a.post("/save", json={"user_message": f"my locker code is {CANARY['a']}", "user_id": "user-a",
                                      "session_id": "sess-a"}))
    stored = _ok(a.post("/v1/tools/memory_store", json={"content": f"note {CANARY['a']}", "user_id": "user-a"}))
    _ok(a.post("/v1/conversations", json={"tenant_id": TENANT_A, "conversation_id": "conv-a",
                                          "title": CANARY["a"]}))
    msg_a = _ok(a.post("/v1/messages", json={"tenant_id": TENANT_A, "conversation_id": "conv-a", "role": "user",
                                             "content": f"hello {CANARY['a']}"}))
    world.add("id", "a", saved["memory_id"], stored["id"], msg_a["id"])
    world.add("memory_id", "a", saved["memory_id"], msg_a["id"])
    world.add("conversation_id", "a", "conv-a")
    world.add("session_id", "a", "sess-a", "conv-a")
    world.add("user_id", "a", "user-a")
    world.add("tenant_id", "a", TENANT_A)
    # tenant C: a key's tenant that holds only a conversation (its owner is the key all the same)
    key_c = _ok(admin.post("/admin/api-keys", json={"name": "fuzz-c", "tenants": [TENANT_C]}))["key"]
    _ok(admin.post("/v1/conversations", headers={"X-API-Key": key_c},
                   json={"tenant_id": TENANT_C, "conversation_id": "conv-c", "title": CANARY["c"]}))
    world.add("conversation_id", "c", "conv-c")
    world.add("session_id", "c", "conv-c")
    world.add("tenant_id", "c", TENANT_C)
    # tenant B: a Memory Mesh user's own tenant, and that user's API key
    anon = httpx.Client(base_url=base, timeout=120)
    tokens = {}
    for who in ("bee", "cee"):
        _ok(anon.post("/v1/auth/register", json={"email": f"{who}-{RUN}@example.com", "username": f"{who}-{RUN}",
                                                 "password": "correct horse battery"}))
        tokens[who] = _ok(anon.post("/v1/auth/login", json={"email": f"{who}-{RUN}@example.com",
                                                            "password": "correct horse battery"}))
    b = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {tokens['bee']['access_token']}"}, timeout=120)
    _ok(b.post("/v1/conversations", json={"tenant_id": TENANT_B, "conversation_id": "conv-b", "title": CANARY["b"],
                                          "metadata": {"note": CANARY["b"]}}))
    msg_b = _ok(b.post("/v1/messages", json={"tenant_id": TENANT_B, "conversation_id": "conv-b", "role": "user",
                                             "content": f"my passport number is {CANARY['b']}",
                                             "metadata": {"user_id": "user-b"}}))
    key_b = _ok(b.post("/v1/auth/api-keys", json={"name": "bee's key"}))["key"]
    world.add("id", "b", msg_b["id"])
    world.add("memory_id", "b", msg_b["id"])
    world.add("conversation_id", "b", "conv-b")
    world.add("session_id", "b", "conv-b")
    world.add("tenant_id", "b", TENANT_B)
    world.add("user_id", "b", "user-b")
    # the default tenant (Discord, livestream): a viewer's chat to a persona, and a plain save
    _ok(admin.post("/api/livestream/cocoro/events", json={"platform": "youtube", "viewer_id": "viewer-1",
                                                          "viewer_name": "Viewer", "type": "superchat",
                                                          "message": f"my address is {CANARY['default']}",
                                                          "amount": 500, "currency": "JPY"}))
    saved_d = _ok(admin.post("/save", headers={"X-Tenant-ID": "default"},
                             json={"user_message": f"secret {CANARY['default']}", "user_id": "user-default"}))
    world.add("id", "default", saved_d["memory_id"])
    world.add("memory_id", "default", saved_d["memory_id"], "cocoro")
    world.add("user_id", "default", "user-default", "youtube:viewer-1")
    world.add("tenant_id", "default", "default")
    world.add("persona", "default", "cocoro")
    # the Resonant Engine's single user (admin, or a key granted `resonant` by name)
    session = _ok(admin.post("/api/memory/sessions", json={"user_id": "resonant-user",
                                                           "metadata": {"note": CANARY["resonant"]}}))
    _ok(admin.post("/api/memory/intents", json={"session_id": session["session_id"], "intent_type": "feature_request",
                                                "intent_text": f"ship {CANARY['resonant']}"}))
    world.add("session_id", "resonant", session["session_id"])
    world.add("user_id", "resonant", "resonant-user")
    world.add("tenant_id", "resonant", "resonant")
    forged = jwt.encode({"sub": "x", "typ": "access", "iss": "omoide", "jti": "j", "exp": int(time.time()) + 600},
                        "not the server's secret, but long enough", algorithm="HS256")
    everything = frozenset(CANARY)
    world.credentials = [
        Credential("admin key", {"X-API-Key": admin_key}, everything),
        Credential("tenant-scoped key", {"X-API-Key": key_a}, frozenset({"a"}), TENANT_A),
        Credential("Mesh user token", {"Authorization": f"Bearer {tokens['bee']['access_token']}"}, frozenset({"b"}),
                   TENANT_B),
        Credential("Mesh user's key", {"X-API-Key": key_b}, frozenset({"b"}), TENANT_B, invalid_too=False),
        Credential("Mesh user owning nothing", {"Authorization": f"Bearer {tokens['cee']['access_token']}"},
                   frozenset(), invalid_too=False),
        Credential("forged token", {"Authorization": f"Bearer {forged}"}, frozenset(), invalid_too=False,
                   authenticated=False),
        Credential("malformed token", {"Authorization": "Bearer \u00e9t\u00e9.x.y"}, frozenset(), invalid_too=False,
                   authenticated=False),
        Credential("no credentials", {}, frozenset(), invalid_too=False, authenticated=False),
    ]
    for c in (admin, a, anon, b):
        c.close()
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[World]:
    data = tmp_path_factory.mktemp("tenant-fuzz") / "data"
    with ThreadedApi(data, embedder, api_rate_limit_per_minute=0, livestream_reply_wait_seconds=30) as api:
        yield _seed(api.base_url, api.admin_key)
    assert not api.errors.records, "\n".join(api.errors.records)[-8000:]


def _steer(draw: Any, st: Any, value: Any, choices: dict[str, list[str]], depth: int = 0) -> Any:
    """`value` with every field named like a tenant, id or user id set to one of `choices` (nested too)."""
    if depth > 2:
        return value
    if isinstance(value, dict):
        return {k: draw(st.sampled_from(choices[k])) if k in choices else _steer(draw, st, v, choices, depth + 1)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_steer(draw, st, v, choices, depth + 1) for v in value]
    return value


def test_no_route_answers_5xx_or_leaks_another_tenants_canary(world: World) -> None:
    import schemathesis
    from hypothesis.errors import Unsatisfiable
    from schemathesis.generation import GenerationMode

    schema = schemathesis.openapi.from_url(f"{world.base}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    session = requests.Session()
    failures: list[str] = []
    sent = 0
    modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if EXAMPLES > 1 else [])
    for turn, op in enumerate(operations):
        for mode in modes:
            try:
                sent += _fuzz(op, mode, world, session, turn)
            except Unsatisfiable:
                pass  # nothing to make invalid (no parameters, no body)
            except (Exception, BaseExceptionGroup) as exc:  # report every failure together
                failures.append(str(exc)[:2500])
    session.close()
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
    assert sent >= len(operations) * len(world.credentials)
    _canaries_still_there(world)


def _fuzz(op: Any, mode: Any, world: World, session: requests.Session, turn: int) -> int:
    """Hypothesis over one operation: each generated case goes out with every credential, aimed at a tenant
    it must not reach (the first choice turns with `turn`, so the minimal examples of a small budget still
    aim at every tenant across the operations). Returns the number of requests sent."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from schemathesis.generation import GenerationMode

    sent = 0

    @given(case=op.as_strategy(generation_mode=mode), data=st.data())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case: Any, data: st.DataObject) -> None:
        nonlocal sent
        original = (case.path_parameters or {}, case.query or {}, case.body)
        for cred in world.credentials:
            if mode == GenerationMode.NEGATIVE and not cred.invalid_too:
                continue
            victims = world.victims(cred) or list(world.values)  # the admin reads them all: aim its reads anyway
            victims = victims[turn % len(victims):] + victims[:turn % len(victims)]
            victim = data.draw(st.sampled_from(victims))
            # two attacks: name the victim's tenant outright, and stay home but use the victim's ids
            for home in (False, True) if cred.authenticated and cred.name != "admin key" else (False,):
                case.path_parameters, case.query, case.body = original
                _send_as(cred, case, data.draw, world, session, victim, home)
                sent += 1

    run()
    return sent


def _send_as(cred: Credential, case: Any, draw: Any, world: World, session: requests.Session, victim: str,
             home: bool) -> None:
    """Send `case` with this credential, steered at `victim`'s data; check the status and the canaries."""
    from hypothesis import strategies as st

    choices = dict(world.values[victim]) if cred.authenticated else {}
    if home:
        choices.pop("tenant_id", None)
        if cred.own_tenant is not None:
            choices["tenant_id"] = [cred.own_tenant]
    if cred.name == "admin key" and case.method.upper() != "GET":
        choices = {}  # the admin may delete anything: never point its writes at the canaries
    if choices:
        case.path_parameters = _steer(draw, st, case.path_parameters, choices)
        case.query = _steer(draw, st, case.query, choices)
        case.body = _steer(draw, st, case.body, choices)
    headers = dict(cred.headers)
    tenant = choices.get("tenant_id", [None])[0]
    if tenant is None and cred.authenticated:
        tenant = draw(st.one_of(st.text(HEADER_TEXT, min_size=1, max_size=200).map(str.strip).filter(bool),
                                st.just("t" * 8000), st.none()))
    if tenant is not None:
        headers["X-Tenant-ID"] = tenant
    response = case.call(base_url=world.base, session=session, headers=headers)
    where = f"{cred.name}: {case.method} {case.formatted_path} -> {response.status_code}"
    assert response.status_code < 500, f"{where}\n{case.as_curl_command(headers=headers)}\n{response.text[:500]}"
    text = response.content.decode("utf-8", "replace")
    leaked = [n for n, canary in CANARY.items() if n not in cred.may_see and canary in text]
    assert not leaked, f"{where} leaks {leaked}\n{case.as_curl_command(headers=headers)}\n{text[:1000]}"


def _canaries_still_there(world: World) -> None:
    """The check meant something only if the canaries were there to leak until the end."""
    admin = world.credentials[0].headers
    with httpx.Client(base_url=world.base, headers=admin, timeout=60) as c:
        a = c.get("/memories", params={"user_id": "user-a"}, headers={"X-Tenant-ID": TENANT_A}).text
        b = c.get("/v1/conversations/conv-b", params={"tenant_id": TENANT_B}).text
        d = c.get("/memories", params={"user_id": "user-default"}, headers={"X-Tenant-ID": "default"}).text
        conv_c = c.get("/v1/conversations/conv-c", params={"tenant_id": TENANT_C}).text
    assert CANARY["a"] in a and CANARY["b"] in b and CANARY["default"] in d and CANARY["c"] in conv_c, (a, b, d)
