"""Check-then-insert races on Memory Mesh rows: the same user, conversation or new conversation at once.

Each race runs a few rounds: the first requests of a fresh server are slowed by one-time set-up (SQL
compilation, pool connections) and tend to arrive one after another, later ones truly overlap.
"""

from __future__ import annotations

import asyncio

from api_server import ApiServer
from mesh_accounts import PASSWORD, account, bearer, connected, message

ROUNDS = 3
LINES = ["The train to Kyoto leaves at nine", "I planted tomatoes in the garden yesterday",
         "My sister moved to Sapporo last spring", "The new ramen shop near the station is great",
         "We are rehearsing the school play on Friday"]  # distinct enough not to be merged as duplicates


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


async def test_first_messages_of_a_new_conversation_at_once_are_all_stored_and_counted(api: ApiServer) -> None:
    auth = await account(api, "chatty")
    async with connected(api, [bearer(auth)] * 5) as clients:
        for n in range(ROUNDS):
            answers = await asyncio.gather(*(c.post("/v1/messages", json=message("chat", f"{line} ({n})", f"new{n}"))
                                             for line, c in zip(LINES, clients)))
            assert [r.status_code for r in answers] == [201] * 5, [r.text for r in answers]
            conv = (await clients[0].get(f"/v1/conversations/new{n}", params={"tenant_id": "chat"})).json()
            assert conv["message_count"] == 5
