"""The console in a real browser (Playwright driving Debian's chromium): a scoped operator's login, search,
edit and delete; a user's privacy page and its limits; keyboard use and labelled fields. Screenshots of every
page go to $OMOIDE_TEST_ARTIFACTS/console/<database>/<test>/ (.ci/run keeps them in artifacts/, which git
ignores), else to the test's tmp dir."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from api_server import ApiServer
from console_helpers import COCORO, HARU, seed, signer

from memory.clock import ManualClock
from memory.engine import MemoryEngine
from memory.errors import NotFoundError

playwright_api = pytest.importorskip("playwright.async_api")
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")


@pytest.fixture(scope="module")
async def chromium() -> AsyncIterator[object]:
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        await browser.close()


@pytest.fixture
async def page(chromium: object, api: ApiServer) -> AsyncIterator[object]:
    context = await chromium.new_context(base_url=api.base_url, locale="en-US",  # type: ignore[attr-defined]
                                         accept_downloads=True, timezone_id="Asia/Tokyo")
    tab = await context.new_page()
    errors: list[str] = []
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield tab
    await context.close()
    assert not errors, f"the page logged errors (a CSP refusal shows here): {errors}"


@pytest.fixture
def shots(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """Where this test's screenshots go: the CI's artifacts directory when it names one, else tmp."""
    root = os.environ.get("OMOIDE_TEST_ARTIFACTS")
    if not root:
        return tmp_path
    where = (Path(root) / "console" / os.environ.get("OMOIDE_TEST_DATABASE", "sqlite")
             / re.sub(r"[^\w.-]+", "_", request.node.name))
    where.mkdir(parents=True, exist_ok=True)
    return where


async def log_in(page: object, key: str) -> None:
    await page.goto("/console")  # type: ignore[attr-defined]
    await page.get_by_label("API key").fill(key)  # type: ignore[attr-defined]
    await page.get_by_role("button", name="Log in").click()  # type: ignore[attr-defined]


async def test_a_scoped_operator_searches_edits_and_deletes(page: object, api: ApiServer, engine: MemoryEngine,
                                                            shots: Path) -> None:
    p = page
    made = await seed(engine)
    await log_in(p, await api.new_key(name="cocoro ops", personas=["cocoro"]))
    await p.get_by_text("Signed in as cocoro ops").wait_for()
    table = p.locator("table.grid")
    assert COCORO in await table.inner_text() and HARU not in await p.content()
    await p.screenshot(path=shots / "personas.png", full_page=True)

    await p.get_by_role("link", name=re.compile("ココロ|cocoro")).first.click()
    await p.get_by_label("Search (meaning and words)").fill("miso ramen")
    await p.get_by_role("button", name="Apply").click()
    first_row = p.locator("table.memories tbody tr").first
    assert "miso ramen" in await first_row.inner_text()
    score = float(await first_row.locator("td.score").inner_text())
    assert 0.0 < score <= 1.0
    await p.screenshot(path=shots / "search.png", full_page=True)

    await first_row.get_by_role("link").click()
    await p.get_by_role("heading", name=re.compile("Memory")).first.wait_for()
    await p.get_by_label("Content", exact=True).fill("Alice loves tonkotsu ramen now.")
    await p.get_by_label("Tags (comma-separated)").fill("food, changed")
    await p.get_by_label("Importance (0 to 1)").fill("0.9")
    await p.get_by_role("button", name=re.compile("^Save")).click()
    await p.get_by_text("Saved.").wait_for()
    assert "tonkotsu" in await p.locator("#content-shown").inner_text()
    assert "update" in await p.locator("table.grid").inner_text()  # the history row
    await p.screenshot(path=shots / "memory.png", full_page=True)
    stored = await engine.get(made["ramen"].id)
    assert stored.content == "Alice loves tonkotsu ramen now." and stored.tags == ["food", "changed"]
    assert stored.importance == pytest.approx(0.9)
    hits = await engine.search("tonkotsu", engine_filter(), top_k=1)
    assert hits[0].memory.id == made["ramen"].id  # re-embedded: the new words find it

    p.once("dialog", lambda d: d.accept())
    await p.get_by_role("button", name="Delete this memory").click()
    await p.get_by_text("Deleted 1.").wait_for()
    assert "tonkotsu" not in await p.content()
    with pytest.raises(NotFoundError):
        await engine.get(made["ramen"].id)

    # bulk delete: select the two left, confirm
    p.once("dialog", lambda d: d.accept())
    await p.get_by_label("Select all").check()
    await p.get_by_role("button", name="Delete selected").click()
    await p.get_by_text("Deleted 2.").wait_for()
    assert (await engine.list(engine_filter())).total == 0
    assert (await engine.get(made["haru"].id)).id  # another persona's memory is untouched


def engine_filter() -> object:
    from memory.types import MemoryFilter
    return MemoryFilter(tenant="default", cube=COCORO)


async def test_the_language_follows_the_browser_and_can_be_switched(chromium: object, api: ApiServer) -> None:
    context = await chromium.new_context(base_url=api.base_url, locale="ja-JP")  # type: ignore[attr-defined]
    p = await context.new_page()
    await p.goto("/console/login")
    assert await p.locator("html").get_attribute("lang") == "ja"
    await p.get_by_label("API キー").wait_for()
    await p.get_by_role("link", name="English").click()
    await p.get_by_label("API key").wait_for()
    await p.goto("/console/login")  # the choice is kept in a cookie
    assert await p.locator("html").get_attribute("lang") == "en"
    await context.close()


async def test_the_memory_list_works_by_keyboard_and_every_field_has_a_label(page: object, api: ApiServer,
                                                                             engine: MemoryEngine) -> None:
    p = page
    await seed(engine)
    await log_in(p, api.admin_key)
    await p.goto(f"/console/cube/default/{COCORO}")
    for field in ("q", "user", "tier", "tags", "emotion", "type", "date_from", "date_to"):
        label = p.locator(f"label[for={field}]")
        assert await label.count() == 1 and (await label.inner_text()).strip(), f"{field} has no label"
    links = p.locator("a.memory-link")
    assert await links.count() == 3
    await links.nth(0).focus()
    await p.keyboard.press("ArrowDown")
    assert await p.evaluate("document.activeElement.textContent") == await links.nth(1).inner_text()
    await p.keyboard.press("ArrowUp")
    await p.keyboard.press("Tab")  # tab order: link, then the next row's checkbox
    assert await p.evaluate("document.activeElement.name") == "ids"
    await p.keyboard.press("Shift+Tab")
    await p.keyboard.press("Enter")
    await p.wait_for_url(re.compile(r"/console/memory/"))
    unlabelled = await p.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name)""")
    assert unlabelled == []


async def test_a_user_reads_deletes_and_downloads_with_their_link(page: object, api: ApiServer,
                                                                  engine: MemoryEngine, tmp_path: Path,
                                                                  shots: Path) -> None:
    p = page
    made = await seed(engine)
    link = signer(api.settings).privacy_token("alice", "default")
    await p.goto(f"/console/privacy/{link}")
    body = await p.locator("main").inner_text()
    assert "miso ramen" in body and "guitar band" in body and "Mochi" not in body
    await p.screenshot(path=shots / "privacy.png", full_page=True)

    p.once("dialog", lambda d: d.accept())
    await p.get_by_role("button", name=re.compile("Delete: Alice loves the miso")).click()
    await p.get_by_text("Deleted 1.").wait_for()
    assert "miso ramen" not in await p.locator("main").inner_text()
    with pytest.raises(NotFoundError):
        await engine.get(made["ramen"].id)

    async with p.expect_download() as info:
        await p.get_by_role("link", name="Download everything (JSONL)").click()
    saved = tmp_path / "mydata.jsonl"
    await (await info.value).save_as(saved)
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and all('"user_id": "alice"' in line for line in lines)

    other = signer(api.settings).privacy_token("bob", "default")
    await p.goto(f"/console/privacy/{other}")
    assert "guitar band" not in await p.locator("main").inner_text()  # Bob's link shows Bob's only


async def test_the_live_view_shows_an_event_posted_through_the_api(page: object, api: ApiServer,
                                                                   shots: Path) -> None:
    p = page
    await log_in(p, api.admin_key)
    await p.goto("/console/live/cocoro")  # type: ignore[attr-defined]
    await p.get_by_text("Connected: waiting for events.").wait_for()  # type: ignore[attr-defined]
    assert api.admin_key not in await p.content()  # type: ignore[attr-defined]
    async with api.client(api.admin_key) as c:
        out = (await c.post("/api/livestream/cocoro/events", json={
            "platform": "youtube", "viewer_id": "v-live", "viewer_name": "Mika", "type": "chat",
            "message": "合格しました！本当に嬉しい！", "event_id": "live-1"})).json()
    row = p.locator('tr.live-event[data-event-id="live-1"]')  # type: ignore[attr-defined]
    await row.wait_for()
    assert "Mika (new)" in await row.locator("td.viewer").inner_text()
    assert await row.locator("td.outcome").inner_text() == "answered"
    assert await row.locator("td.reply").inner_text() == out["reply"]
    assert await row.locator("td.emotion").inner_text() == out["dominant_emotion"]["name"]
    await p.screenshot(path=shots / "live.png", full_page=True)  # type: ignore[attr-defined]


async def test_an_admin_creates_and_revokes_a_key_in_the_browser(page: object, api: ApiServer,
                                                                 shots: Path) -> None:
    p = page
    await log_in(p, api.admin_key)
    await p.get_by_role("link", name="API keys").click()  # type: ignore[attr-defined]
    await p.get_by_label("Name", exact=True).fill("overlay bot")  # type: ignore[attr-defined]
    await p.get_by_label("Personas (comma-separated, empty for all)").fill("cocoro")  # type: ignore[attr-defined]
    await p.get_by_role("button", name="Create key").click()  # type: ignore[attr-defined]
    key = await p.get_by_label("New key").input_value()  # type: ignore[attr-defined]
    assert key.startswith("omo_")
    async with api.client(key) as c:
        assert (await c.get("/api/livestream/cocoro/stats")).status_code == 200
    await p.screenshot(path=shots / "keys.png", full_page=True)  # type: ignore[attr-defined]

    p.once("dialog", lambda d: d.accept())  # type: ignore[attr-defined]
    await p.get_by_role("button", name="Revoke: overlay bot").click()  # type: ignore[attr-defined]
    await p.get_by_text("Revoked key").wait_for()  # type: ignore[attr-defined]
    row = p.locator("tr", has_text="overlay bot")  # type: ignore[attr-defined]
    assert await row.locator("td.state").inner_text() == "revoked"
    assert await p.get_by_role("button", name="Revoke: overlay bot").count() == 0  # type: ignore[attr-defined]
    async with api.client(key) as c:
        assert (await c.get("/api/livestream/cocoro/stats")).status_code == 401


async def test_the_emotion_chart_draws_one_series_per_emotion(page: object, api: ApiServer, engine: MemoryEngine,
                                                              shots: Path) -> None:
    from console_helpers import seed_emotions

    p = page
    await seed_emotions(engine)
    await log_in(p, api.admin_key)
    await p.goto(f"/console/cube/default/{COCORO}")  # type: ignore[attr-defined]
    await p.get_by_role("link", name="Emotion chart").click()  # type: ignore[attr-defined]
    chart = p.locator("#emotion-chart")  # type: ignore[attr-defined]
    await chart.locator("canvas").wait_for()
    drawn = await chart.evaluate("el => ({series: el.chart.series.slice(1).map(s => s.label),"
                                 " points: el.chart.data.slice(1).map(d => d.length), days: el.chart.data[0].length})")
    assert drawn == {"series": ["Joy", "Sadness", "Trust"], "points": [3, 3, 3], "days": 3}
    assert await chart.locator(".u-legend .u-series").count() == 4  # the x axis and the three emotions
    await p.screenshot(path=shots / "emotions.png", full_page=True)  # type: ignore[attr-defined]

    await p.get_by_label("User ID").fill("alice")  # type: ignore[attr-defined]
    await p.get_by_role("button", name="Apply").click()  # type: ignore[attr-defined]
    await p.wait_for_url(re.compile("user=alice"))  # type: ignore[attr-defined]
    await chart.locator("canvas").wait_for()
    alice = await chart.evaluate("el => el.chart.data.slice(1).map(d => Array.from(d))")
    assert alice == [[2, 0], [0, 1], [1, 0]]  # joy, sadness, trust (ties by name)


async def test_an_operator_sees_who_a_persona_remembers_and_hands_a_viewer_their_link(
        page: object, chromium: object, api: ApiServer, engine: MemoryEngine, shots: Path) -> None:
    from console_helpers import seed_people

    p = page
    await seed_people(engine)
    await log_in(p, await api.new_key(name="cocoro ops", personas=["cocoro"]))
    await p.goto(f"/console/cube/default/{COCORO}")  # type: ignore[attr-defined]
    await p.get_by_role("link", name="Users and viewers").click()  # type: ignore[attr-defined]
    rows = p.locator("table#users tbody tr")  # type: ignore[attr-defined]
    assert [await rows.nth(i).get_attribute("data-user") for i in range(await rows.count())] == [
        "twitch:kaito", "youtube:UCviewer1", "alice"]
    midori = p.locator('tr[data-user="youtube:UCviewer1"]')  # type: ignore[attr-defined]
    assert "Midori" in await midori.inner_text() and "Joy 2" in await midori.inner_text()
    await p.screenshot(path=shots / "users.png", full_page=True)  # type: ignore[attr-defined]

    await p.get_by_role("link", name="Memories of Midori").click()  # type: ignore[attr-defined]
    await p.wait_for_url(re.compile(r"user=youtube%3AUCviewer1"))  # type: ignore[attr-defined]
    assert await p.locator("a.memory-link").count() == 2  # type: ignore[attr-defined]
    await p.go_back()  # type: ignore[attr-defined]

    await p.get_by_role("button", name="Issue a privacy link for Midori").click()  # type: ignore[attr-defined]
    link = await p.get_by_label("The person's link").input_value()  # type: ignore[attr-defined]
    path = link[link.index("/console/privacy/"):]
    await p.screenshot(path=shots / "privacy-link.png", full_page=True)  # type: ignore[attr-defined]

    viewer = await chromium.new_context(base_url=api.base_url, locale="en-US")  # type: ignore[attr-defined]
    tab = await viewer.new_page()
    await tab.goto(path)
    body = await tab.locator("main").inner_text()
    assert "Midori watches every Friday stream." in body and "Alice" not in body
    tab.once("dialog", lambda d: d.accept())
    await tab.get_by_role("button", name=re.compile("Delete: Midori watches")).click()
    await tab.get_by_text("Deleted 1.").wait_for()
    await viewer.close()
    left = await engine.list(engine_filter())
    assert sorted(m.content for m in left.memories if m.scope.user_id == "youtube:UCviewer1") == [
        "Midori sent a super chat for the anniversary."]


async def test_the_growth_chart_draws_memories_added_and_the_total(page: object, api: ApiServer,
                                                                   engine: MemoryEngine, shots: Path) -> None:
    from console_helpers import seed_people

    p = page
    await seed_people(engine)
    await log_in(p, api.admin_key)
    await p.locator("table.grid tr", has_text=COCORO).get_by_role(  # type: ignore[attr-defined]
        "link", name="Growth").click()
    chart = p.locator("#growth-chart")  # type: ignore[attr-defined]
    await chart.locator("canvas").wait_for()
    drawn = await chart.evaluate("el => ({series: el.chart.series.slice(1).map(s => s.label),"
                                 " data: el.chart.data.slice(1).map(d => Array.from(d))})")
    assert drawn == {"series": ["Added", "Total"], "data": [[1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1],
                                                            [1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 5, 6]]}
    await p.screenshot(path=shots / "growth.png", full_page=True)  # type: ignore[attr-defined]

    await p.get_by_label("Per").select_option("week")  # type: ignore[attr-defined]
    await p.get_by_role("button", name="Apply").click()  # type: ignore[attr-defined]
    await p.wait_for_url(re.compile("by=week"))  # type: ignore[attr-defined]
    await chart.locator("canvas").wait_for()
    weekly = await chart.evaluate("el => el.chart.data.slice(1).map(d => Array.from(d))")
    assert weekly == [[2, 1, 3], [2, 3, 6]]


async def test_a_livestream_viewer_reaches_their_page_by_a_code_typed_in_chat(page: object, api: ApiServer,
                                                                               engine: MemoryEngine,
                                                                               shots: Path) -> None:
    from console_helpers import seed_people

    p = page
    await seed_people(engine)
    await p.goto("/console/privacy/ask")  # type: ignore[attr-defined]
    command = await p.locator("#ask-command").inner_text()  # type: ignore[attr-defined]
    assert re.fullmatch(r"mydata [A-Z2-9]{8}", command)
    await p.screenshot(path=shots / "ask.png", full_page=True)  # type: ignore[attr-defined]
    async with api.client(api.admin_key) as c:
        r = await c.post("/api/livestream/cocoro/events", json={
            "platform": "youtube", "viewer_id": "UCviewer1", "viewer_name": "Midori", "type": "chat",
            "message": command})
        assert r.json()["reason"] == "privacy_code"
    await p.wait_for_url(re.compile(r"/console/privacy/ey"), timeout=30_000)  # type: ignore[attr-defined]
    body = await p.locator("main").inner_text()  # type: ignore[attr-defined]
    assert "Midori watches every Friday stream." in body and "Alice" not in body


UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name)"""


async def test_a_link_shows_only_its_user_and_stops_working_when_it_expires(
        chromium: object, api: ApiServer, engine: MemoryEngine, clock: ManualClock, shots: Path) -> None:
    """The console reads the engine's clock: moving it past the link's 30 minutes expires the link, no sleep."""
    from bot.console.tokens import ConsoleSigner

    made = await seed(engine)
    path = f"/console/privacy/{ConsoleSigner.from_settings(api.settings, clock).privacy_token('alice', 'default')}"
    context = await chromium.new_context(base_url=api.base_url, locale="en-US")  # type: ignore[attr-defined]
    tab = await context.new_page()  # no console-error check: the expired answers are 410s, which Chromium logs
    await tab.goto(f"{path}?user=bob")  # the link names its user; the address cannot name another
    body = await tab.locator("main").inner_text()
    assert "miso ramen" in body and "Mochi" not in body
    csrf = await tab.locator("input[name=csrf]").first.input_value()
    cross = await tab.request.post(f"{path}/delete", form={"csrf": csrf, "id": made["cat"].id})
    assert cross.url.endswith("?deleted=0")  # Bob's memory through Alice's link: nothing deleted
    assert (await engine.get(made["cat"].id)).id == made["cat"].id
    export = await tab.request.get(f"{path}/export.jsonl")
    assert '"user_id": "bob"' not in await export.text() and '"user_id": "alice"' in await export.text()

    clock.advance(29 * 60)
    assert (await tab.request.get(path)).status == 200  # 29 minutes on: still open
    clock.advance(2 * 60)
    tab.once("dialog", lambda d: d.accept())
    await tab.get_by_role("button", name=re.compile("Delete: Alice passed")).click()  # the page still open
    await tab.get_by_text("This link has expired").wait_for()
    assert (await engine.get(made["exam"].id)).id == made["exam"].id  # the expired link deleted nothing
    again = await tab.goto(path)
    assert again is not None and again.status == 410
    assert "miso ramen" not in await tab.locator("main").inner_text()
    assert (await tab.request.get(f"{path}/export.jsonl")).status == 410
    await tab.screenshot(path=shots / "privacy-expired.png", full_page=True)
    await context.close()


async def test_every_page_of_operations_opens_with_labelled_fields(page: object, api: ApiServer,
                                                                   shots: Path) -> None:
    p = page
    await p.goto("/console/login")  # type: ignore[attr-defined]
    await p.screenshot(path=shots / "login.png", full_page=True)  # type: ignore[attr-defined]
    await log_in(p, api.admin_key)
    for name, shot in [("API keys", "keys"), ("Scheduled jobs", "jobs"), ("Snapshots", "snapshots"),
                       ("Settings", "settings"), ("Audit log", "audit")]:
        await p.get_by_role("navigation").get_by_role("link", name=name, exact=True).click()  # type: ignore[attr-defined]
        await p.get_by_role("heading", level=1, name=name).wait_for()  # type: ignore[attr-defined]
        assert await p.evaluate(UNLABELLED) == [], name  # type: ignore[attr-defined]
        await p.screenshot(path=shots / f"ops-{shot}.png", full_page=True)  # type: ignore[attr-defined]
