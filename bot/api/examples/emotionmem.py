"""EmotionMemCore (seed 000): the examples of its integration guide.

Requests and answers recorded from a real server; ids, keys and times made stable.
"""

from bot.api.examples.base import OpExample

EXAMPLES: dict[str, OpExample] = {
    "POST /save": OpExample(
        summary="Save a Discord turn (seed 000)",
        request={
            "user_message": "今日はとても楽しい一日でした！新しいゲームを始めました。",
            "ai_message": "それは素晴らしいですね！どんなゲームですか？",
            "user_id": "user_123",
            "session_id": "session_456",
            "metadata": {"platform": "discord", "channel": "general"},
        },
        response={
            "status": "success",
            "memory_id": "550e8400-e29b-41d4-a716-000000000001",
            "summary": "今日はとても楽しい一日でした！新しいゲームを始めました。",
            "emotions": ["喜び"],
            "timestamp": "2025-11-17T10:00:00Z",
            "user_id": "user_123",
            "session_id": "session_456",
            "deduplicated": False,
        },
    ),
    "POST /batch-save": OpExample(
        summary="Save two turns at once",
        request=[
            {
                "user_message": "好きな食べ物はラーメンです", "ai_message": "ラーメン、いいですね！何味が好きですか？",
                "user_id": "user_123",
            },
            {
                "user_message": "明日の試験が不安です…",
                "ai_message": "準備してきたから大丈夫ですよ。応援しています！", "user_id": "user_123",
                "session_id": "session_456",
            },
        ],
        response={
            "total_requested": 2,
            "successful_saves": 2,
            "failed_saves": 0,
            "failed_items": [],
            "memory_ids": ["550e8400-e29b-41d4-a716-000000000002", "550e8400-e29b-41d4-a716-000000000003"],
        },
    ),
    "POST /search": OpExample(
        summary="Search one user's memories",
        request={"query": "ゲームの話", "user_id": "user_123", "top_k": 5},
        response={
            "results": [
                {
                    "memory_id": "550e8400-e29b-41d4-a716-000000000001",
                    "summary": "今日はとても楽しい一日でした！新しいゲームを始めました。",
                    "emotions": ["喜び"],
                    "timestamp": "2025-11-17T10:00:00Z",
                    "score": 0.5612,
                    "user_message": "今日はとても楽しい一日でした！新しいゲームを始めました。",
                    "ai_message": "それは素晴らしいですね！どんなゲームですか？",
                    "user_id": "user_123",
                    "session_id": "session_456",
                    "metadata": {"platform": "discord", "channel": "general"},
                },
                {
                    "memory_id": "550e8400-e29b-41d4-a716-000000000003",
                    "summary": "明日の試験が不安です…",
                    "emotions": ["恐れ"],
                    "timestamp": "2025-11-17T10:00:00Z",
                    "score": 0.5586,
                    "user_message": "明日の試験が不安です…",
                    "ai_message": "準備してきたから大丈夫ですよ。応援しています！",
                    "user_id": "user_123",
                    "session_id": "session_456",
                    "metadata": {},
                },
                {
                    "memory_id": "550e8400-e29b-41d4-a716-000000000002",
                    "summary": "好きな食べ物はラーメンです",
                    "emotions": ["親しみ"],
                    "timestamp": "2025-11-17T10:00:00Z",
                    "score": 0.4468,
                    "user_message": "好きな食べ物はラーメンです",
                    "ai_message": "ラーメン、いいですね！何味が好きですか？",
                    "user_id": "user_123",
                    "session_id": None,
                    "metadata": {},
                },
            ],
            "total_results": 3,
            "query": "ゲームの話",
        },
    ),
    "GET /memories": OpExample(
        summary="List one user's memories, newest first",
        params={"user_id": "user_123", "limit": 10, "offset": 0},
        response={
            "memories": [
                {
                    "memory_id": "550e8400-e29b-41d4-a716-000000000003",
                    "summary": "明日の試験が不安です…",
                    "emotions": ["恐れ"],
                    "timestamp": "2025-11-17T10:00:00Z",
                    "score": None,
                    "user_message": "明日の試験が不安です…",
                    "ai_message": "準備してきたから大丈夫ですよ。応援しています！",
                    "user_id": "user_123",
                    "session_id": "session_456",
                    "metadata": {},
                },
                {
                    "memory_id": "550e8400-e29b-41d4-a716-000000000002",
                    "summary": "好きな食べ物はラーメンです",
                    "emotions": ["親しみ"],
                    "timestamp": "2025-11-17T10:00:00Z",
                    "score": None,
                    "user_message": "好きな食べ物はラーメンです",
                    "ai_message": "ラーメン、いいですね！何味が好きですか？",
                    "user_id": "user_123",
                    "session_id": None,
                    "metadata": {},
                },
                {
                    "memory_id": "550e8400-e29b-41d4-a716-000000000001",
                    "summary": "今日はとても楽しい一日でした！新しいゲームを始めました。",
                    "emotions": ["喜び"],
                    "timestamp": "2025-11-17T10:00:00Z",
                    "score": None,
                    "user_message": "今日はとても楽しい一日でした！新しいゲームを始めました。",
                    "ai_message": "それは素晴らしいですね！どんなゲームですか？",
                    "user_id": "user_123",
                    "session_id": "session_456",
                    "metadata": {"platform": "discord", "channel": "general"},
                },
            ],
            "total": 3,
            "limit": 10,
            "offset": 0,
        },
    ),
}
