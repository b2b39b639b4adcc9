"""Prompt building: persona system prompt + what is remembered (dates, emotions) + recent turns."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from bot.llm.responder import emotion_names, short_date
from bot.personas import Persona
from config.timezones import local
from memory.types import Memory

_TEXT = {
    "ja": {
        "today": "今日の日付", "user": "話している相手", "memories": "この相手について覚えていること（関連が強い順）",
        "none": "この相手との会話の記憶はまだありません。", "emotions": "感情",
        "tools": ("記憶ツールが使えます。相手が新しく大事なこと（好み、予定、出来事）を話したら memory_store で"
                  "保存し、思い出す必要があれば memory_search で探してください。見えるのはこの相手の記憶だけです。"),
        "summary": ("次の会話から、相手について覚えておくべきことを日本語の一文（80字以内）で要約してください。"
                    "「ユーザーは」で始め、要約だけを書いてください。"),
        "answer_in": "相手は日本語で話しています。日本語で答えてください。",
    },
    "en": {
        "today": "Today's date", "user": "You are talking with", "memories": "What you remember about them "
        "(most relevant first)", "none": "You have no memories of this person yet.", "emotions": "emotions",
        "tools": ("You have memory tools. When they tell you something worth keeping (preferences, plans, events), "
                  "save it with memory_store; use memory_search to look things up. You only see this person's "
                  "memories."),
        "summary": ("Summarize in one English sentence (at most 100 characters) what is worth remembering about the "
                    "user from this exchange. Start with 'User'. Write only the summary."),
        "answer_in": "They are writing in English: answer in English, keeping your character.",
    },
}


def memory_block(persona: Persona, memories: list[Memory], tz: tzinfo = UTC) -> str:
    t = _TEXT[persona.language]
    if not memories:
        return t["none"]
    lines = []
    for i, m in enumerate(memories, 1):
        emo = emotion_names(m.emotion_labels, persona.language)
        day = short_date(local(m.created_at, tz))
        lines.append(f"{i}. [{day}] {m.summary or m.content[:200]} ({t['emotions']}: {emo})")
    return "\n".join(lines)


def build_messages(persona: Persona, user_name: str, message: str, memories: list[Memory], recent: list[Memory],
                   *, now: datetime, tools: bool, language: str | None = None) -> list[dict[str, Any]]:
    """OpenAI-style messages: system (persona, date, memories, tool hint, and the language to answer in
    when it is not the persona's), recent turns, the new message. `now` is the user's local time: "today"
    and the memories' dates are in their zone."""
    t = _TEXT[persona.language]
    system = [persona.system_prompt, "", f"{t['today']}: {now.strftime('%Y-%m-%d')}", f"{t['user']}: {user_name}",
              "", f"{t['memories']}:", memory_block(persona, memories, now.tzinfo or UTC)]
    if tools:
        system += ["", t["tools"]]
    if language in _TEXT and language != persona.language:
        system += ["", _TEXT[language]["answer_in"]]
    messages: list[dict[str, Any]] = [{"role": "system", "content": "\n".join(system)}]
    for turn in recent:
        if turn.user_message:
            messages.append({"role": "user", "content": turn.user_message})
        if turn.ai_message:
            messages.append({"role": "assistant", "content": turn.ai_message})
    messages.append({"role": "user", "content": message})
    return messages


def summary_messages(persona: Persona, message: str, reply: str) -> list[dict[str, Any]]:
    return [{"role": "system", "content": _TEXT[persona.language]["summary"]},
            {"role": "user", "content": f"User: {message}\n{persona.display_name}: {reply}"}]


def clean_summary(text: str, limit: int = 200) -> str | None:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = line.strip("\"'「」 ")
    return line[:limit] or None
