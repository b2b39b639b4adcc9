"""Replies out: the TTS text and expression on each reply, the OBS overlay page, and `python -m bot live`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest
from api_server import MakeApi
from live_helpers import replies_of

from bot.cli import main
from bot.personas import BUILTIN_DIR, PersonaError, load_persona
from memory.emotions.labels import EMOTIONS


def personas_with_expressions(folder: Path) -> Path:
    """The shipped personas, cocoro with her own expression names (as a VTube Studio hotkey list would be)."""
    folder.mkdir()
    for f in BUILTIN_DIR.glob("*.toml"):
        shutil.copy(f, folder / f.name)
    table = "\n".join(f'{key} = "{key}_face"' for key in EMOTIONS)
    with (folder / "cocoro.toml").open("a", encoding="utf-8") as out:
        out.write(f'\n[expressions]\n{table}\nneutral = "idle"\n')
    return folder


async def test_each_reply_carries_tts_text_and_the_personas_expression(make_api: MakeApi, tmp_path: Path) -> None:
    api = await make_api(personas_dir=personas_with_expressions(tmp_path / "personas"),
                         livestream_chat_replies_per_minute=0)
    async with replies_of(api, "cocoro") as replies, api.client(api.admin_key) as c:
        body = {"platform": "youtube", "viewer_id": "UC1", "viewer_name": "ゆき", "type": "superchat",
                "message": "合格しました！本当に嬉しい！🎉", "amount": 1000, "currency": "JPY", "event_id": "e1"}
        out = (await c.post("/api/livestream/cocoro/events", json=body)).json()
        [pushed] = await replies.until("e1")
    assert out["status"] == "answered" and out["tts_text"] == pushed["tts_text"]
    assert "千円" in pushed["tts_text"] and "🎉" not in pushed["tts_text"] and "1000" not in pushed["tts_text"]
    emotion = pushed["emotion"]
    assert pushed["expression"] == out["expression"] == (f"{emotion}_face" if emotion else "idle")
    assert pushed["expression_face"] == ""  # the persona's own names have no built-in face


async def test_the_overlay_page_runs_no_inline_code_and_loads_its_own_files(make_api: MakeApi) -> None:
    api = await make_api()
    async with httpx.AsyncClient(base_url=api.base_url) as c:
        assert (await c.get("/api/livestream/cocoro/overlay")).status_code == 401  # the page needs the key
        page = await c.get("/api/livestream/cocoro/overlay", params={"api_key": api.admin_key})
        missing = await c.get("/api/livestream/nobody/overlay", params={"api_key": api.admin_key})
        assets = {name: await c.get(f"/api/livestream/{name}") for name in ("overlay.js", "overlay.css")}
    assert missing.status_code == 404
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    html = page.text
    assert 'data-persona="cocoro"' in html and "ココロ" in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script src="/api/livestream/overlay.js" defer>']  # no inline script
    assert not re.search(r"\son\w+\s*=", html) and "style=" not in html and "<style" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # no external assets
    js, css = assets["overlay.js"], assets["overlay.css"]
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "/ws" in js.text and "api_key" in js.text and "textContent" in js.text
    assert "innerHTML" not in js.text and "eval(" not in js.text  # viewer text is never parsed as HTML
    assert "[data-expression=" in css.text


def test_a_bad_expressions_table_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text((BUILTIN_DIR / "nova.toml").read_text(encoding="utf-8") + '\n[expressions]\nhappy = "smile"\n',
                   encoding="utf-8")
    with pytest.raises(PersonaError, match=r"expressions: .*unknown emotion\(s\) \['happy'\]"):
        load_persona(bad)


def test_live_command_says_what_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("LIVE_YOUTUBE", "LIVE_TWITCH", "YOUTUBE_API_KEY", "TWITCH_OAUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["live"]) == 2
    assert "give --youtube and/or --twitch" in capsys.readouterr().out
    assert main(["live", "--youtube", "dQw4w9WgXcQ"]) == 2
    assert "YOUTUBE_API_KEY is required" in capsys.readouterr().out
