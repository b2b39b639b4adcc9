"""`python -m bot chat --persona NAME`: the terminal chat uses the same conversation service and memory."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.conversation.terminal import terminal_chat
from bot.services import Services
from config.settings import Settings
from memory.engine import MemoryEngine
from memory.types import MemoryFilter

ROOT = Path(__file__).resolve().parent.parent


async def test_terminal_chat_remembers_between_sessions(engine: MemoryEngine, tmp_path: Path) -> None:
    services = Services(settings=Settings(_env_file=None, data_dir=tmp_path / "data"), engine=engine)  # type: ignore[call-arg]
    nova = services.personas.get("nova")
    lines = iter(["My sister lives in Osaka and teaches piano\n", "\n", "/memories\n", "/quit\n"])
    out = io.StringIO()
    turns = await terminal_chat(services, nova, "tess", read=lambda: next(lines), out=out)  # type: ignore[arg-type]
    text = out.getvalue()
    assert turns == 1 and "Talking with Nova (nova, memories in user_user_nova_cube)" in text
    assert "Nova> " in text and "No language model is set up right now" in text
    assert "My sister lives in Osaka and teaches piano" in text.split("/memories", 1)[-1]  # listed by /memories
    lines = iter(["Where does my sister live?\n"])  # then end of input (Ctrl-D)
    out = io.StringIO()
    await terminal_chat(services, nova, "tess", read=lambda: next(lines, ""), out=out)
    answer = out.getvalue().split("Nova> ", 1)[1]
    assert answer.startswith(("I remember! You told me", "Yes, you said it")) and \
        '"My sister lives in Osaka and teaches piano"' in answer
    stored = await engine.list(MemoryFilter(cube="user_user_nova_cube", user_id="tess"))
    assert stored.total == 2 and {m.scope.session_id for m in stored.memories} == {"terminal:tess"}
    await services.close()


def test_cli_names_the_known_personas_when_one_is_unknown(tmp_path: Path) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run([sys.executable, "-m", "bot", "chat", "--persona", "miku"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    assert "no persona called 'miku'; known: cocoro, listy, nova" in proc.stdout


async def test_a_quick_second_message_recalls_the_first(engine: MemoryEngine, tmp_path: Path) -> None:
    """Lines typed (or pasted) faster than a turn is saved: the reply still sees the turn before it."""
    services = Services(settings=Settings(_env_file=None, data_dir=tmp_path / "data"), engine=engine)  # type: ignore[call-arg]
    nova = services.personas.get("nova")
    lines = iter(["My favourite food is ramen\n", "What is my favourite food?\n"])
    out = io.StringIO()
    await terminal_chat(services, nova, "quick", read=lambda: next(lines, ""), out=out)  # type: ignore[arg-type]
    second = out.getvalue().split("Nova> ")[2]
    assert "ramen" in second
    await services.close()


async def test_terminal_chat_speaks_the_personas_language_and_has_help(engine: MemoryEngine, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", timezone="Asia/Tokyo")  # type: ignore[call-arg]
    services = Services(settings=settings, engine=engine)
    cocoro = services.personas.get("cocoro")
    lines = iter(["/help\n", "/nope\n", "今日はラーメンを食べたよ\n", "/memories\n", "/quit\n"])
    out = io.StringIO()
    await terminal_chat(services, cocoro, "yuki", read=lambda: next(lines), out=out)  # type: ignore[arg-type]
    text = out.getvalue()
    assert text.startswith("ココロ（cocoro・記憶は user_user_cocoro_cube）とお話しします。モデル: なし（内蔵の応答）\n")
    assert text.count("/help  この説明   /memories  覚えていることの一覧   /quit  終了") == 3  # start, /help, /nope
    assert "「/nope」というコマンドはありません。" in text and "あなた> " in text
    assert "Talking with" not in text and "you>" not in text and "in all" not in text
    saved = (await engine.list(MemoryFilter(user_id="yuki"))).memories[0]
    tokyo = saved.created_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"  [{tokyo:%Y-%m-%d %H:%M}] " in text and "（全 1 件）" in text
    await services.close()


async def test_the_users_name_is_the_speaker_of_their_turns(engine: MemoryEngine, tmp_path: Path) -> None:
    """`--user-name` names the speaker of the saved turns (memory.turn_text), as a Discord display name does:
    an opaque user id alone would leave the turn without a speaker."""
    services = Services(settings=Settings(_env_file=None, data_dir=tmp_path / "data"), engine=engine)  # type: ignore[call-arg]
    nova = services.personas.get("nova")
    lines = iter(["I adopted a kitten last week\n"])
    await terminal_chat(services, nova, "48213977", user_name="Tess", read=lambda: next(lines, ""), out=io.StringIO())
    hits = await engine.search("Tess", MemoryFilter(cube="user_user_nova_cube"), top_k=3)
    assert hits[0].memory.content.startswith("I adopted a kitten last week") and hits[0].matched_lexically
    await services.close()
