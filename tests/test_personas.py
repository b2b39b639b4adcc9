"""Persona files: the shipped ones load into their own cubes; a bad file names the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.personas import PersonaError, PersonaRegistry
from config import SettingsError, load_settings

GOOD = '''memory_id = "{mid}"
display_name = "Test"
language = "en"
system_prompt = "You are Test."
[style]
first_person = "I"
catchphrases = ["Stay cozy!"]
[style.phrases]
recall = ["Ooh, {{when}} you said {{memory}}"]
'''
# a persona file written for the previous responder (memory-list templates) still loads
OLD_STYLE = '''memory_id = "old"
display_name = "Old"
language = "ja"
system_prompt = "You are Old."
[style]
recall_intro = "Hi {user}"
memory_line = "- {date} {summary}"
no_memory = "Nothing yet, {user}"
no_llm_note = "（モデルなし）"
'''


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_personas_have_their_own_cubes() -> None:
    reg = PersonaRegistry.load(None, "cocoro")
    assert {(p.memory_id, p.cube, p.language) for p in reg.all()} == {
        ("cocoro", "user_user_cocoro_cube", "ja"), ("listy", "user_user_listy_cube", "ja"),
        ("nova", "user_user_nova_cube", "en")}
    assert reg.default.display_name == "ココロ"
    assert reg.find("NOVA").memory_id == "nova" and reg.find("リスティー").memory_id == "listy"  # type: ignore[union-attr]
    assert reg.find("miku") is None


@pytest.mark.parametrize(("text", "where"), [
    (GOOD.format(mid="Bad Id!"), "memory_id: Value error, memory_id must be 1-32 lowercase"),
    (GOOD.format(mid="ok").replace('language = "en"', 'language = "fr"'), "language: Input should be 'ja' or 'en'"),
    (GOOD.format(mid="ok").replace('system_prompt = "You are Test."\n', ""), "system_prompt: Field required"),
    (GOOD.format(mid="ok").replace("{memory}", "{secret}"), "style.phrases: Value error, bad template (recall: "
                                                             "unknown placeholder(s) ['secret']"),
    (GOOD.format(mid="ok").replace("recall =", "recal ="), "style.phrases: Value error, unknown phrase 'recal'"),
    (GOOD.format(mid="ok").replace("[style]", 'llm_base_url = "127.0.0.1:11434"\n[style]'),
     "llm_base_url: Value error, must start with http"),
    (GOOD.format(mid="ok").replace("[style]", 'llm_base_url = "http://127.0.0.1:11434/v1"\n[style]'),
     "llm_model is required with llm_base_url"),
    (GOOD.format(mid="ok").replace("[style.phrases]", "colour = 'red'\n[style.phrases]"),
     "style.colour: Extra inputs are not permitted"),
    ("memory_id = ", "not valid TOML"),
])
def test_a_bad_file_names_the_file_and_the_field(tmp_path: Path, text: str, where: str) -> None:
    write(tmp_path / "p", "broken.toml", text)
    with pytest.raises(PersonaError) as info:
        PersonaRegistry.load(tmp_path / "p", "ok")
    assert "broken.toml" in str(info.value) and where in str(info.value)


def test_a_file_for_the_previous_responder_still_loads_and_keeps_its_note(tmp_path: Path) -> None:
    write(tmp_path / "p", "old.toml", OLD_STYLE)
    old = PersonaRegistry.load(tmp_path / "p", "old").default
    assert old.style.phrases == {"no_llm_note": ["（モデルなし）"]} and not old.own_model


def test_duplicate_ids_and_unknown_default_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    write(folder, "a.toml", GOOD.format(mid="same"))
    write(folder, "b.toml", GOOD.format(mid="same"))
    with pytest.raises(PersonaError, match="memory_id 'same' is used by both a.toml and b.toml"):
        PersonaRegistry.load(folder, "same")
    (folder / "b.toml").unlink()
    with pytest.raises(PersonaError, match="DEFAULT_PERSONA 'cocoro' matches no persona file"):
        PersonaRegistry.load(folder, "cocoro")
    with pytest.raises(PersonaError, match="is not a folder"):
        PersonaRegistry.load(tmp_path / "missing", "same")


def test_llm_settings_need_a_model_and_a_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:11434/v1")
    with pytest.raises(SettingsError, match="LLM_MODEL is required"):
        load_settings()
    monkeypatch.setenv("LLM_MODEL", "llama3.1")
    monkeypatch.setenv("LLM_API_KEY", "sk-secret-value")
    s = load_settings()
    assert s.llm_model == "llama3.1" and "sk-secret-value" not in repr(s)
    monkeypatch.setenv("LLM_BASE_URL", "127.0.0.1:11434")
    with pytest.raises(SettingsError, match="LLM_BASE_URL must start with http"):
        load_settings()
