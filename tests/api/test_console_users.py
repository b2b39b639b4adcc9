"""Users and viewers of a persona, its growth over time, and privacy links an operator issues for a viewer,
over plain HTTP against the real app and engine: the numbers, the scope of a key, the fields named on 400."""

from __future__ import annotations

import json
import re
from datetime import datetime

import httpx
from api_server import ApiServer
from console_helpers import COCORO, HARU, csrf_of, login, seed_people
from sqlalchemy import select

from bot.api.state import STATE
from bot.api.tables import AuditRow
from memory.engine import MemoryEngine
from memory.types import Scope

USERS = f"/console/cube/default/{COCORO}/users"
GROWTH = f"/console/cube/default/{COCORO}/growth"


def browser(api: ApiServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=api.base_url, timeout=60.0)


def rows_of(html: str) -> dict[str, str]:
    """user id -> the text of its row in the users table."""
    return {m.group(1): re.sub(r"<[^>]+>", " ", m.group(2))
            for m in re.finditer(r'<tr data-user="([^"]+)">(.*?)</tr>', html, re.S)}


def link_in(html: str) -> str:
    """The path of the privacy link the page shows (its host is CONSOLE_PUBLIC_URL or the API's address)."""
    found = re.search(r'id="privacy-link" class="wide-field" readonly value="https?://[^/"]+(/[^"]+)"', html)
    assert found, "the page shows no link"
    return found.group(1)


async def test_the_users_page_lists_users_and_viewers_with_counts(api: ApiServer, engine: MemoryEngine) -> None:
    await seed_people(engine)
    async with browser(api) as c:
        await login(c, api.admin_key)
        page = await c.get(USERS, params={"lang": "en"})
        youtube = await c.get(USERS, params={"platform": "youtube"})
        bad = await c.get(USERS, params={"platform": "myspace"})
    rows = rows_of(page.text)
    assert list(rows) == ["twitch:kaito", "youtube:UCviewer1", "alice"]  # most recently seen first
    assert "Midori" in rows["youtube:UCviewer1"] and "youtube" in rows["youtube:UCviewer1"]
    assert re.search(r"\b2\b", rows["youtube:UCviewer1"]) and "Joy 2" in rows["youtube:UCviewer1"]
    assert "Trust 1" in rows["youtube:UCviewer1"]
    assert "Alice" in rows["alice"] and "discord" in rows["alice"] and "2026-05-01" in rows["alice"]
    assert "2026-05-10" in rows["alice"]  # first and last seen
    assert f'href="/console/cube/default/{COCORO}?user=youtube%3AUCviewer1"' in page.text
    assert list(rows_of(youtube.text)) == ["youtube:UCviewer1"]
    assert bad.status_code == 400 and 'data-field="platform"' in bad.text


async def test_growth_counts_memories_per_day_and_week(api: ApiServer, engine: MemoryEngine) -> None:
    await seed_people(engine)
    async with browser(api) as c:
        await login(c, api.admin_key)
        days = await c.get(GROWTH)
        weeks = await c.get(GROWTH, params={"by": "week"})
        alice = await c.get(GROWTH, params={"user": "alice"})
        bad = await c.get(GROWTH, params={"by": "year"})

    def chart(html: str) -> dict[str, list[int]]:
        found = re.search(r'<script type="application/json" id="growth-data">(.*?)</script>', html, re.S)
        assert found, "the page has no chart data"
        return json.loads(found.group(1))

    def epoch(day: str) -> int:
        return int(datetime.fromisoformat(f"{day}T00:00:00+00:00").timestamp())

    # every day from the first to the last, the quiet ones as zeros
    assert chart(days.text) == {"x": [epoch(f"2026-05-{d:02d}") for d in range(1, 13)],
                                "added": [1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1],
                                "total": [1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 5, 6]}
    # weeks from Monday: April 27 (May 1, 2), May 4 (Sunday May 10), May 11 (May 11, 12)
    assert chart(weeks.text) == {"x": [epoch("2026-04-27"), epoch("2026-05-04"), epoch("2026-05-11")],
                                 "added": [2, 1, 3], "total": [2, 3, 6]}
    assert chart(alice.text)["added"] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert bad.status_code == 400 and 'data-field="by"' in bad.text


async def test_another_tenants_users_and_growth_stay_hidden(api: ApiServer, engine: MemoryEngine) -> None:
    await seed_people(engine)
    await engine.store(Scope("acme", COCORO, "acme-user"), "Acme's customer asked about invoices.")
    key = await api.new_key(tenants=["default"])
    async with browser(api) as c:
        await login(c, key)
        own = await c.get(USERS)
        other_users = await c.get(f"/console/cube/acme/{COCORO}/users")
        other_growth = await c.get(f"/console/cube/acme/{COCORO}/growth")
        other_link = await c.post(f"/console/cube/acme/{COCORO}/users/link",
                                  data={"user_id": "acme-user", "csrf": csrf_of(own.text)})
    assert own.status_code == 200 and "acme-user" not in own.text
    assert other_users.status_code == other_growth.status_code == other_link.status_code == 403
    assert "acme-user" not in other_users.text + other_growth.text + other_link.text


async def test_an_operator_issues_a_viewer_their_privacy_link(api: ApiServer, engine: MemoryEngine) -> None:
    await seed_people(engine)
    async with browser(api) as c:
        await login(c, api.admin_key)
        token = csrf_of((await c.get(USERS)).text)
        issued = await c.post(f"{USERS}/link", data={"user_id": "youtube:UCviewer1", "csrf": token})
        unknown = await c.post(f"{USERS}/link", data={"user_id": "youtube:nobody", "csrf": token})
        empty = await c.post(f"{USERS}/link", data={"user_id": "", "csrf": token})
    link = link_in(issued.text)
    assert link.startswith("/console/privacy/")
    async with browser(api) as viewer:  # the viewer's own browser: no console session
        mine = await viewer.get(link)
    assert mine.status_code == 200 and "Midori watches every Friday stream." in mine.text
    assert "Alice" not in mine.text and "Kaito" not in mine.text
    assert unknown.status_code == 404 and 'data-field="user_id"' in unknown.text
    assert empty.status_code == 400 and 'data-field="user_id"' in empty.text
    async with api.app[STATE].store.sessions() as s:
        audit = [r.target for r in (await s.execute(select(AuditRow))).scalars() if "privacy link" in r.target]
    assert audit == ["privacy link for youtube:UCviewer1"]  # the user, never the link itself


async def test_a_persona_scoped_operator_issues_a_link_that_shows_only_their_persona(
        api: ApiServer, engine: MemoryEngine) -> None:
    await seed_people(engine)
    key = await api.new_key(personas=["cocoro"])
    async with browser(api) as c:
        await login(c, key)
        token = csrf_of((await c.get(USERS)).text)
        issued = await c.post(f"{USERS}/link", data={"user_id": "alice", "csrf": token})
        other = await c.post(f"/console/cube/default/{HARU}/users/link", data={"user_id": "alice", "csrf": token})
    link = link_in(issued.text)
    async with browser(api) as c:
        page = await c.get(link)
        everything = await c.post(f"{link}/delete", data={"all": "1", "csrf": csrf_of(page.text)})
        export = await c.get(f"{link}/export.jsonl")
    assert other.status_code == 403
    assert "miso ramen" in page.text and "guitar band" not in page.text  # haru's memory: not this key's
    assert "deleted=3" in everything.headers["location"] and export.text == ""
    left = await engine.list()
    assert [m.content for m in left.memories if m.scope.user_id == "alice"] == [
        "Alice told Haru a secret about her guitar band."]


async def test_a_read_only_key_sees_users_but_issues_no_link(api: ApiServer, engine: MemoryEngine) -> None:
    await seed_people(engine)
    key = await api.new_key(read_only=True)
    async with browser(api) as c:
        await login(c, key)
        page = await c.get(USERS)
        r = await c.post(f"{USERS}/link", data={"user_id": "alice", "csrf": csrf_of(page.text)})
    assert page.status_code == 200 and "Midori" in page.text and "/users/link" not in page.text
    assert r.status_code == 403 and "privacy-link" not in r.text
