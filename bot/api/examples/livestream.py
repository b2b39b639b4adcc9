"""Livestream: an AI VTuber answering its chat.

Requests and answers recorded from a real server; ids, keys and times made stable.
"""

from bot.api.examples.base import OpExample

EXAMPLES: dict[str, OpExample] = {
    "POST /api/livestream/{persona}/events": OpExample(
        summary="A superchat, answered at once",
        params={"persona": "listy"},
        request={
            "platform": "youtube", "viewer_id": "UC42example", "viewer_name": "ミカ", "type": "superchat",
            "message": "いつも配信ありがとう！", "amount": 1000, "currency": "JPY", "event_id": "yt-msg-0001",
        },
        response={
            "event_id": "yt-msg-0001",
            "persona": "listy",
            "user_id": "youtube:UC42example",
            "status": "answered",
            "reason": None,
            "reply": (
                "ミカさん、1,000円のスーパーチャットありがとうございます！\n"
                "どういたしまして。いつでも声をかけてくださいね。"
            ),
            "tts_text": (
                "ミカさん、千円のスーパーチャットありがとうございます!\n"
                "どういたしまして。いつでも声をかけてくださいね。"
            ),
            "expression": "warm",
            "emotions": [{"label": "affection", "name": "親しみ", "score": 0.6054}],
            "dominant_emotion": {"label": "affection", "name": "親しみ", "score": 0.6054},
            "memories_used": 0,
            "viewer_known": False,
            "welcomed_back": False,
            "used_llm": False,
        },
    ),
    "GET /api/livestream/{persona}/stats": OpExample(
        summary="Counters of the stream",
        params={"persona": "listy"},
        response={
            "persona": "listy",
            "received": 1,
            "queued": 1,
            "answered": 1,
            "failed": 0,
            "waiting_paid": 0,
            "waiting_chat": 0,
            "dropped": {"rate_limited": 0, "queue_full": 0, "total": 0},
            "unanswered_remembered": 0,
            "unanswered_forgotten": 0,
            "by_type": {"superchat": 1},
            "listeners": 0,
            "chat_replies_per_minute": 20,
            "queue_size": 50,
        },
    ),
}
