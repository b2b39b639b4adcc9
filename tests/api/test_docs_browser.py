"""/docs in a real browser (Playwright driving Debian's chromium): paste a key once, try POST /save and see the
server's real answer, then a wrong key and its 401; the WebSocket "try it" connects. Screenshots go to tmp."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from api_server import ApiServer

playwright_api = pytest.importorskip("playwright.async_api")
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)")


@pytest.fixture
async def page(api: ApiServer) -> AsyncIterator[object]:
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = await browser.new_context(base_url=api.base_url, locale="en-US")
        tab = await context.new_page()
        errors: list[str] = []
        # a 401 the page asked for is logged as a failed load; anything else (a CSP refusal) is a bug
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" and "401" not in m.text else None)
        yield tab
        await browser.close()
        assert not errors, f"the page logged errors: {errors}"


async def send_save(p: object) -> tuple[str, str]:
    op = p.locator("details#post__save")  # type: ignore[attr-defined]
    if await op.get_attribute("open") is None:
        await op.locator(":scope > summary").click()
    await op.get_by_role("button", name="Send").click()
    status = op.locator(".result .status")
    await status.filter(has_text="…").wait_for(state="detached")
    return await status.inner_text(), await op.locator(".result pre").inner_text()


async def test_try_it_sends_a_real_request_with_the_pasted_key(page: object, api: ApiServer, tmp_path: Path) -> None:
    p = page
    await p.goto("/docs")  # type: ignore[attr-defined]
    await p.get_by_label("API key or access token").fill(api.admin_key)  # type: ignore[attr-defined]
    await p.get_by_role("button", name="Use this key").click()  # type: ignore[attr-defined]
    await p.get_by_text("Requests from this page send X-API-Key: omo_").wait_for()  # type: ignore[attr-defined]
    assert api.admin_key not in await p.locator("#cred-state").inner_text()  # type: ignore[attr-defined]

    op = p.locator("details#post__save")  # type: ignore[attr-defined]
    await op.locator(":scope > summary").click()
    assert "今日はとても楽しい一日でした" in await op.get_by_label("request body").input_value()  # the seed's example
    status, body = await send_save(p)
    assert status.startswith("200"), body
    answer = json.loads(body)
    assert answer["status"] == "success" and answer["emotions"] and answer["deduplicated"] is False
    async with api.client(api.admin_key) as c:  # it was really saved, where the example says
        listed = (await c.get("/memories", params={"user_id": "user_123"})).json()
    assert [m["memory_id"] for m in listed["memories"]] == [answer["memory_id"]]
    await p.screenshot(path=tmp_path / "docs-try-it.png", full_page=False)  # type: ignore[attr-defined]

    await p.get_by_label("API key or access token").fill("omo_not-a-real-key")  # type: ignore[attr-defined]
    await p.get_by_role("button", name="Use this key").click()  # type: ignore[attr-defined]
    status, body = await send_save(p)
    assert status.startswith("401") and '"error_type": "Unauthorized"' in body and "unknown API key" in body


async def test_websocket_try_it_connects_with_the_pasted_key(page: object, api: ApiServer) -> None:
    p = page
    await p.goto("/docs")  # type: ignore[attr-defined]
    await p.get_by_label("API key or access token").fill(api.admin_key)  # type: ignore[attr-defined]
    await p.get_by_role("button", name="Use this key").click()  # type: ignore[attr-defined]
    socket = p.locator("#realtime-list details").first  # type: ignore[attr-defined]
    await socket.locator(":scope > summary").click()
    await socket.get_by_role("button", name="Connect").click()
    await socket.get_by_text("connected", exact=True).wait_for()
    await socket.get_by_text('"type": "subscribed"').wait_for()
    await socket.get_by_role("button", name="Send ping").click()
    await socket.get_by_text('"type": "pong"').wait_for()
