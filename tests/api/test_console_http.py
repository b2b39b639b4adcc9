"""The console over plain HTTP: login and its refusals, CSRF, scope, the privacy links' limits, headers."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import httpx
from api_server import ApiServer, MakeApi
from console_helpers import COCORO, HARU, csrf_of, login, seed, signer

from memory.clock import utcnow
from memory.engine import MemoryEngine
from memory.errors import NotFoundError


def browser(api: ApiServer) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=api.base_url, timeout=60.0)


async def test_a_bad_key_is_refused_and_pages_need_a_login(api: ApiServer) -> None:
    async with browser(api) as c:
        page = await c.get("/console")
        assert page.status_code == 303 and page.headers["location"].startswith("/console/login")
        refused = await login(c, "omo_not-a-real-key")
        assert refused.status_code == 401 and "unknown API key" in refused.text
        assert "omoide_console" not in c.cookies
        assert (await c.get("/console")).status_code == 303


async def test_login_sets_a_strict_httponly_cookie_without_the_key(api: ApiServer) -> None:
    async with browser(api) as c:
        done = await login(c, api.admin_key)
        assert done.status_code == 303 and done.headers["location"] == "/console"
        cookie = next(h for h in done.headers.get_list("set-cookie") if h.startswith("omoide_console="))
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and api.admin_key not in cookie
        assert (await c.get("/console")).status_code == 200
        out = await c.post("/console/logout", data={"csrf": csrf_of((await c.get("/console")).text)})
        assert out.status_code == 303
        assert (await c.get("/console")).status_code == 303


async def test_a_login_form_without_its_csrf_token_is_refused(api: ApiServer) -> None:
    async with browser(api) as c:
        r = await c.post("/console/login", data={"key": api.admin_key})
    assert r.status_code == 403 and "CSRF" in r.text


async def test_a_write_without_the_csrf_token_is_refused(api: ApiServer, engine: MemoryEngine) -> None:
    made = await seed(engine)
    async with browser(api) as c:
        await login(c, api.admin_key)
        no_token = await c.post(f"/console/memory/{made['cat'].id}/delete")
        wrong = await c.post(f"/console/memory/{made['cat'].id}/delete", data={"csrf": "0" * 64})
        bulk = await c.post(f"/console/cube/default/{COCORO}/delete", data={"ids": made["cat"].id})
    assert no_token.status_code == wrong.status_code == bulk.status_code == 403
    assert (await engine.get(made["cat"].id)).content.startswith("Bob's cat")


async def test_a_scoped_key_reaches_only_its_persona(api: ApiServer, engine: MemoryEngine) -> None:
    made = await seed(engine)
    key = await api.new_key(personas=["cocoro"])
    async with browser(api) as c:
        await login(c, key)
        home = (await c.get("/console")).text
        other_cube = await c.get(f"/console/cube/default/{HARU}")
        other_memory = await c.get(f"/console/memory/{made['haru'].id}")
        own = await c.get(f"/console/memory/{made['ramen'].id}")
        token = csrf_of(home)
        bulk = await c.post(f"/console/cube/default/{COCORO}/delete", data={"ids": made["haru"].id, "csrf": token})
    assert COCORO in home and HARU not in home
    assert other_cube.status_code == 403 and other_memory.status_code == 404 and own.status_code == 200
    assert bulk.status_code == 303 and "deleted=0" in bulk.headers["location"]  # another cube's id: nothing
    assert (await engine.get(made["haru"].id)).id == made["haru"].id


async def test_a_read_only_key_browses_but_cannot_delete(api: ApiServer, engine: MemoryEngine) -> None:
    made = await seed(engine)
    key = await api.new_key(read_only=True)
    async with browser(api) as c:
        await login(c, key)
        page = await c.get(f"/console/memory/{made['cat'].id}")
        r = await c.post(f"/console/memory/{made['cat'].id}/delete", data={"csrf": csrf_of(page.text)})
    assert page.status_code == 200 and "/delete" not in page.text
    assert r.status_code == 403 and "read-only" in r.text


async def test_pages_forbid_inline_script_and_bad_filters_name_the_field(api: ApiServer, engine: MemoryEngine) -> None:
    await seed(engine)
    async with browser(api) as c:
        await login(c, api.admin_key)
        page = await c.get(f"/console/cube/default/{COCORO}")
        bad = await c.get(f"/console/cube/default/{COCORO}", params={"date_from": "yesterday"})
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/console/static/console.js" defer>']
    assert not re.search(r"\son[a-z]+\s*=", page.text)
    assert bad.status_code == 400 and 'data-field="date_from"' in bad.text


async def test_a_privacy_link_reads_and_deletes_only_its_own_user(make_api: MakeApi, engine: MemoryEngine) -> None:
    api = await make_api()
    made = await seed(engine)
    link_a = signer(api.settings).privacy_token("alice", "default")
    async with browser(api) as c:
        page = await c.get(f"/console/privacy/{link_a}")
        token = csrf_of(page.text)
        # Alice's link with Bob's memory id: the filter names Alice, so nothing is deleted
        cross = await c.post(f"/console/privacy/{link_a}/delete", data={"id": made["cat"].id, "csrf": token})
        own = await c.post(f"/console/privacy/{link_a}/delete", data={"id": made["ramen"].id, "csrf": token})
        no_csrf = await c.post(f"/console/privacy/{link_a}/delete", data={"id": made["exam"].id})
        export = await c.get(f"/console/privacy/{link_a}/export.jsonl")
    assert page.status_code == 200 and "miso ramen" in page.text and "guitar band" in page.text
    assert "Mochi" not in page.text
    assert "deleted=0" in cross.headers["location"] and "deleted=1" in own.headers["location"]
    assert no_csrf.status_code == 403
    assert (await engine.get(made["cat"].id)).id == made["cat"].id
    try:
        await engine.get(made["ramen"].id)
        raise AssertionError("the memory was not deleted")
    except NotFoundError:
        pass
    rows = [json.loads(line) for line in export.text.splitlines()]
    assert export.headers["content-disposition"].startswith("attachment")
    assert sorted(r["user_id"] for r in rows) == ["alice", "alice"] and "embedding" not in rows[0]


async def test_an_expired_or_altered_link_is_refused(api: ApiServer, engine: MemoryEngine) -> None:
    made = await seed(engine)
    sign = signer(api.settings)
    expired = sign.privacy_token("alice", "default", now=utcnow() - timedelta(minutes=31))
    fresh = sign.privacy_token("alice", "default")
    head, body, sig = fresh.split(".")
    altered = f"{head}.{body[:-2]}AA.{sig}"
    async with browser(api) as c:
        old = await c.get(f"/console/privacy/{expired}")
        old_delete = await c.post(f"/console/privacy/{expired}/delete", data={"id": made["exam"].id})
        old_export = await c.get(f"/console/privacy/{expired}/export.jsonl")
        forged = await c.get(f"/console/privacy/{altered}")
        session = await c.get(f"/console/privacy/{sign.session('some-key-id')}")  # another kind of token
    assert old.status_code == old_delete.status_code == old_export.status_code == 410
    assert "Alice" not in old.text and ("expired" in old.text.lower() or "期限" in old.text)
    assert forged.status_code == session.status_code == 403
    assert (await engine.get(made["exam"].id)).id == made["exam"].id


async def test_a_revoked_keys_console_session_ends_on_its_next_page(api: ApiServer) -> None:
    async with api.client(api.admin_key) as admin:
        made = (await admin.post("/admin/api-keys", json={"name": "short-lived"})).json()
    async with browser(api) as c:
        await login(c, made["key"])
        before = await c.get("/console")  # the session's key is now cached for a few seconds
        async with api.client(api.admin_key) as admin:
            assert (await admin.delete(f"/admin/api-keys/{made['id']}")).status_code == 200
        after = await c.get("/console")
    assert before.status_code == 200
    assert after.status_code == 303 and after.headers["location"].startswith("/console/login")


async def test_a_deleted_mesh_users_key_ends_its_console_session_as_it_ends_api_calls(api: ApiServer) -> None:
    """A key the user made while being deleted escapes the deletion's revoke: it still dies with its user."""
    from mesh_accounts import account, as_user
    from sqlalchemy import delete

    from bot.api.state import STATE
    from bot.api.tables import MeshUserRow

    auth = await account(api, "leaver")
    async with as_user(api, auth) as c:
        key = (await c.post("/v1/auth/api-keys", json={"name": "console"})).json()["key"]
    async with browser(api) as c:
        await login(c, key)
        before = await c.get("/console")
        st = api.app[STATE]
        async with st.store.sessions.begin() as s:  # the user is gone, the key row not revoked
            await s.execute(delete(MeshUserRow).where(MeshUserRow.id == auth["user"]["id"]))
        st.access.forget_cached()  # as the deletion does after its transaction
        after = await c.get("/console")
    async with api.client(key) as by_key:
        assert (await by_key.get("/v1/auth/api-keys")).status_code == 401
    assert before.status_code == 200
    assert after.status_code == 303 and after.headers["location"].startswith("/console/login")


async def test_list_pages_chain_by_memory_id_and_show_every_memory_once(api: ApiServer, engine: MemoryEngine) -> None:
    """Next and previous links seek from a memory id (`after` / `before`); ten memories share each creation
    time, so page boundaries fall inside ties (broken by label) as well as between times."""
    import html
    from datetime import UTC, datetime

    import numpy as np

    from memory.types import MemoryFilter, MemoryInput, Scope

    dim = len((await engine.embeddings.passages(["x"]))[0])
    rng = np.random.default_rng(3)
    at = datetime(2026, 5, 1, 12, tzinfo=UTC)
    made = await engine.save_batch([MemoryInput(Scope("default", COCORO, "alice"), content=f"note number {i}",
                                                embedding=rng.standard_normal(dim), emotions=[], summary="",
                                                created_at=at + timedelta(minutes=i // 10)) for i in range(60)])
    assert not made.failed
    newest_first = [m.id for m in (await engine.list(MemoryFilter(tenant="default", cube=COCORO), limit=60)).memories]
    base = f"/console/cube/default/{COCORO}"

    def ids_and_links(page: httpx.Response) -> tuple[list[str], dict[str, str]]:
        found = re.findall(r'<a rel="(next|prev)" href="([^"]+)"', page.text)
        links = {rel: html.unescape(href) for rel, href in found}
        return re.findall(r'href="/console/memory/([^"]+)"', page.text), links

    async with browser(api) as c:
        await login(c, api.admin_key)
        pages, url = [], base
        while url:
            ids, links = ids_and_links(await c.get(url))
            pages.append((url, ids))
            url = links.get("next", "")
        back, visited, url = [], [], pages[-1][0]
        while url:
            ids, links = ids_and_links(await c.get(url))
            back.insert(0, ids)
            visited.append(url)
            url = links.get("prev", "")
        typed, _ = ids_and_links(await c.get(f"{base}?page=2"))  # an address typed by hand still works
    assert [len(ids) for _url, ids in pages] == [25, 25, 10]
    assert [i for _url, ids in pages for i in ids] == newest_first
    assert "after=" in pages[1][0] and "after=" in pages[2][0]
    assert "before=" in visited[1] and visited[-1].rstrip("?") == base  # back to the first page's own address
    assert back == [ids for _url, ids in pages]
    assert typed == pages[1][1]


async def test_a_page_link_whose_memory_was_deleted_still_lands_on_its_page(
        api: ApiServer, engine: MemoryEngine) -> None:
    """A link chains from a memory id; that memory deleted since (in another tab, by the API) used to give an
    empty page with only a "previous" link. The page is found by its number instead, and says so."""
    import html

    from memory.types import MemoryFilter, MemoryInput, Scope

    made = await engine.save_batch([MemoryInput(Scope("default", COCORO, "alice"), content=f"note number {i}")
                                    for i in range(60)])
    assert not made.failed
    newest_first = [m.id for m in (await engine.list(MemoryFilter(tenant="default", cube=COCORO), limit=60)).memories]
    base = f"/console/cube/default/{COCORO}"

    def listed(page: httpx.Response) -> list[str]:
        return re.findall(r'href="/console/memory/([^"]+)"', page.text)

    def link(page: httpx.Response, rel: str) -> str:
        found = re.search(rf'<a rel="{rel}" href="([^"]+)"', page.text)
        assert found is not None, rel
        return html.unescape(found.group(1))

    async with browser(api) as c:
        await login(c, api.admin_key)
        second = link(await c.get(base), "next")  # after= the first page's last memory
        third = link(await c.get(second), "next")
        back_to_second = link(await c.get(third), "prev")  # before= the third page's first memory
        await engine.delete_ids([newest_first[50]])
        backward = await c.get(back_to_second)
        await engine.delete_ids([newest_first[24]])
        forward = await c.get(second)
    assert "after=" + newest_first[24] in second and "before=" + newest_first[50] in back_to_second
    for page in (backward, forward):
        assert page.status_code == 200
        assert [newest_first.index(i) for i in listed(page)] == list(range(25, 50))  # the second page as it was
        assert "was deleted" in page.text or "削除されました" in page.text
        assert link(page, "next")
