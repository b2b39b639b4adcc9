"""Check-then-insert races on Memory Mesh rows: the same user or the same conversation created at once.

Each race runs a few rounds: the first requests of a fresh server are slowed by one-time set-up (SQL
compilation, pool connections) and tend to arrive one after another, later ones truly overlap.
"""

from __future__ import annotations

import asyncio

from api_server import ApiServer
from mesh_accounts import PASSWORD, account, bearer, connected

ROUNDS = 3


async def test_five_registrations_of_one_email_at_once_make_one_user(api: ApiServer) -> None:
    async with connected(api, [{}] * 5) as clients:
        for n in range(ROUNDS):
            answers = await asyncio.gather(*(c.post("/v1/auth/register", json={
                "email": f"same{n}@example.com", "username": f"same{n}x{i}", "password": PASSWORD})
                for i, c in enumerate(clients)))
            assert sorted(r.status_code for r in answers) == [201, 409, 409, 409, 409], [r.text for r in answers]
            assert {r.json()["field"] for r in answers if r.status_code == 409} == {"email"}


async def test_five_creations_of_one_conversation_at_once_make_one(api: ApiServer) -> None:
    auth = await account(api, "host")
    async with connected(api, [bearer(auth)] * 5) as clients:
        for n in range(ROUNDS):
            answers = await asyncio.gather(*(c.post("/v1/conversations", json={"tenant_id": "room",
                                                                                "conversation_id": f"lobby{n}"})
                                             for c in clients))
            assert sorted(r.status_code for r in answers) == [201, 409, 409, 409, 409], [r.text for r in answers]

