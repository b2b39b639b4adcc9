"""`python -m bot chat --persona NAME`: talk with a persona in the terminal, same service as Discord.

Lines starting with `/` are commands: /memories, /quit. Reading stdin runs in a thread so the saves
of earlier turns continue in the background while you type.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from bot.personas import Persona
from bot.services import Services

HELP = "/memories  list what I remember about you   /quit  leave (Ctrl-D works too)"


async def terminal_chat(services: Services, persona: Persona, user_id: str, *, user_name: str | None = None,
                        read: Callable[[], str] | None = None, out: TextIO | None = None) -> int:
    """Run the loop until /quit or end of input; returns the number of turns."""
    out = out or sys.stdout
    read = read or sys.stdin.readline
    session = f"terminal:{user_id}"
    model = services.llm.model if services.llm else "none (built-in responder)"
    print(f"Talking with {persona.display_name} ({persona.memory_id}, memories in {persona.cube}); model: {model}",
          file=out)
    print(HELP, file=out, flush=True)
    turns = 0
    while True:
        print("you> ", end="", file=out, flush=True)
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
                print(f"  [{m.created_at:%Y-%m-%d}] {m.summary}  ({', '.join(m.emotion_labels) or '-'})", file=out)
            print(f"  ({page.total} in all)", file=out, flush=True)
            continue
        if text.startswith("/"):
            print(HELP, file=out, flush=True)
            continue
        reply = await services.conversation.reply(persona, user_id, text, user_name=user_name or user_id,
                                                  session_id=session, metadata={"platform": "terminal"})
        print(f"{persona.display_name}> {reply.text}", file=out, flush=True)
        turns += 1
    await services.conversation.drain()
    return turns
