"""`python -m bot mcp`: the MCP server over stdio, spawned the way Claude Desktop spawns it, driven by the
official SDK client. The key comes from OMOIDE_API_KEY; the data is prepared beforehand in DATA_DIR."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from botproc import LAUNCH, ROOT, bot_env, run_cli, seed_model
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from bot.api.auth.keys import KeyStore
from bot.memory_tools.toolbox import MemoryToolbox, ToolScope
from bot.store import BotStore
from memory.embedding.base import Embedder
from memory.engine import MemoryEngine
from memory.options import EngineOptions


async def prepare(data_dir: Path, model_dir: Path, embedder: Embedder) -> dict[str, str]:
    """Keys (full, and read-only for tenant globex) and one acme memory, written before the server starts."""
    seed_model(model_dir, data_dir)
    engine = await MemoryEngine.open(EngineOptions(data_dir=data_dir), embedder)
    store = BotStore.beside(engine.options)
    try:
        await store.ensure_schema()
        keys = KeyStore(store.sessions)
        _, full = await keys.create("desktop")
        _, reader = await keys.create("globex reader", tenants=["globex"], read_only=True)
        box = MemoryToolbox(engine, ToolScope("acme", "default"))
        secret = await box.run("memory_store", {"content": "acme の合言葉は「山と川」"})
    finally:
        await store.close()
        await engine.close()
    return {"full": full, "reader": reader, "acme_secret": secret["id"]}


@asynccontextmanager
async def stdio_mcp(data_dir: Path, key: str, *args: str) -> AsyncIterator[Client]:
    params = StdioServerParameters(command=sys.executable, args=["-c", LAUNCH, "mcp", *args], cwd=ROOT,
                                   env=bot_env(data_dir, OMOIDE_API_KEY=key))
    with (data_dir / "mcp-stderr.log").open("a") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            yield client


async def call(client: Client, name: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(name, arguments)
    return json.loads(result.content[0].text)  # type: ignore[union-attr]


async def test_a_desktop_client_stores_searches_updates_and_deletes(tmp_path: Path, model_dir: Path,
                                                                    embedder: Embedder) -> None:
    data = tmp_path / "data"
    keys = await prepare(data, model_dir, embedder)
    async with stdio_mcp(data, keys["full"], "--tenant", "acme", "--user", "taro") as client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert names == ["memory_store", "memory_search", "memory_get", "memory_update", "memory_delete",
                         "memory_list"]
        ramen = await call(client, "memory_store", content="タロウは味噌ラーメンが好き", tags=["food"])
        await call(client, "memory_store", content="タロウは週末にサッカーをする", tags=["sports"])
        found = await call(client, "memory_search", query="好きな食べ物", top_k=1)
        assert [r["id"] for r in found["results"]] == [ramen["id"]]
        assert (await call(client, "memory_update", id=ramen["id"], content="タロウは塩ラーメンが好き"))["updated"]
        assert (await call(client, "memory_get", id=ramen["id"]))["content"] == "タロウは塩ラーメンが好き"
        assert (await call(client, "memory_get", id=keys["acme_secret"]))["error_type"] == "NotFoundError"  # not taro's
        bad = await client.call_tool("memory_search", {"query": "x", "top_k": 0})
        assert bad.is_error and json.loads(bad.content[0].text)["field"] == "top_k"  # type: ignore[union-attr]
        assert (await call(client, "memory_delete", id=ramen["id"]))["deleted_ids"] == [ramen["id"]]
        assert (await call(client, "memory_list"))["total"] == 1


async def test_a_read_only_key_for_another_tenant_reads_nothing_and_writes_nothing(
        tmp_path: Path, model_dir: Path, embedder: Embedder) -> None:
    data = tmp_path / "data"
    keys = await prepare(data, model_dir, embedder)
    async with stdio_mcp(data, keys["reader"]) as client:
        assert [t.name for t in (await client.list_tools()).tools] == ["memory_search", "memory_get", "memory_list"]
        assert (await call(client, "memory_search", query="合言葉"))["total"] == 0
        assert (await call(client, "memory_get", id=keys["acme_secret"]))["error_type"] == "NotFoundError"
        refused = await call(client, "memory_store", content="書き込めないはず")
        assert refused["error_type"] == "Forbidden"
        assert (await call(client, "memory_list"))["total"] == 0


async def test_without_a_usable_key_it_says_so_and_exits(tmp_path: Path, model_dir: Path, embedder: Embedder) -> None:
    data = tmp_path / "data"
    keys = await prepare(data, model_dir, embedder)
    no_key = run_cli(data, "mcp")
    assert no_key.returncode == 2 and "OMOIDE_API_KEY" in no_key.stderr and no_key.stdout == ""
    wrong_tenant = run_cli(data, "mcp", "--api-key", keys["reader"], "--tenant", "acme")
    assert wrong_tenant.returncode == 2 and "acme" in wrong_tenant.stderr and wrong_tenant.stdout == ""
