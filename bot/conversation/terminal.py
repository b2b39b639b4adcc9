"""`python -m bot chat --persona NAME`: talk with a persona in the terminal, same service as Discord.

Lines starting with `/` are commands: /help, /memories, /quit. Everything is said in the persona's
language, and dates in TIMEZONE. Reading stdin runs in a thread so the saves of earlier turns continue
in the background while you type.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from bot.llm.responder import emotion_names
from bot.personas import Persona
from bot.services import Services
from config.timezones import local

TEXT = {
    "ja": {"header": "{name}（{id}・記憶は {cube}）とお話しします。モデル: {model}",
           "no_model": "なし（内蔵の応答）",
           "help": "/help  この説明   /memories  覚えていることの一覧   /quit  終了（Ctrl-D でも終われます）",
           "unknown": "「{command}」というコマンドはありません。",
           "you": "あなた> ", "total": "（全 {total} 件）", "none": "-"},
    "en": {"header": "Talking with {name} ({id}, memories in {cube}); model: {model}",
           "no_model": "none (built-in responder)",
           "help": "/help  this help   /memories  list what I remember about you   /quit  leave (Ctrl-D works too)",
           "unknown": "There is no command {command}.",
           "you": "you> ", "total": "({total} in all)", "none": "-"},
}


async def terminal_chat(services: Services, persona: Persona, user_id: str, *, user_name: str | None = None,
                        read: Callable[[], str] | None = None, out: TextIO | None = None) -> int:
    """Run the loop until /quit or end of input; returns the number of turns."""
    out = out or sys.stdout
    read = read or sys.stdin.readline
    session = f"terminal:{user_id}"
    text_of = TEXT[persona.language]
    tz = services.conversation.timezone
    model = services.llm.model if services.llm else text_of["no_model"]
    print(text_of["header"].format(name=persona.display_name, id=persona.memory_id, cube=persona.cube, model=model),
          file=out)
    print(text_of["help"], file=out, flush=True)
    turns = 0
    while True:
        print(text_of["you"], end="", file=out, flush=True)
        line = await asyncio.to_thread(read)
        if not line:
            print("", file=out)
            break
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit"):
            break
        if text == "/memories":
            await services.conversation.drain()  # include the turns still being saved
            page = await services.desk.latest(persona, user_id, limit=10)
            for m in page.memories:
                emotions = emotion_names(m.emotion_labels, persona.language) if m.emotion_labels else text_of["none"]
                print(f"  [{local(m.created_at, tz):%Y-%m-%d %H:%M}] {m.summary}  ({emotions})", file=out)
            print("  " + text_of["total"].format(total=page.total), file=out, flush=True)
            continue
        if text.startswith("/"):
            if text not in ("/help", "/?"):
                print(text_of["unknown"].format(command=text.split()[0]), file=out)
            print(text_of["help"], file=out, flush=True)
            continue
        reply = await services.conversation.reply(persona, user_id, text, user_name=user_name or user_id,
                                                  session_id=session, metadata={"platform": "terminal"}, tz=tz)
        print(f"{persona.display_name}> {reply.text}", file=out, flush=True)
        turns += 1
    await services.conversation.drain()
    return turns
