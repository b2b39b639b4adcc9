"""Memory Tools (seed 003): the six tools over HTTP.

Requests and answers recorded from a real server; ids, keys and times made stable.
"""

from bot.api.examples.base import OpExample

EXAMPLES: dict[str, OpExample] = {
    "POST /v1/tools/memory_store": OpExample(
        summary="Remember a preference (seed 003)",
        request={
            "content": "User prefers dark mode and large font sizes",
            "memory_tier": "long_term",
            "tags": ["preferences", "ui"],
            "metadata": {"source": "settings_page"},
        },
        response={
            "id": "550e8400-e29b-41d4-a716-000000000009", "content": "User prefers dark mode and large font sizes",
            "memory_tier": "long_term", "created_at": "2025-11-17T10:00:00Z",
        },
    ),
    "GET /v1/tools": OpExample(
        summary="The tool definitions an LLM gets (the first of six)",
        response={
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "memory_store",
                        "description": (
                            "Save something worth remembering about the user or the task, so a later conversation can"
                            " recall it.\n"
                            "Store durable facts the user tells you (preferences, names, plans, relationships, what h"
                            "appened to them),\n"
                            "one fact per call, written as a self-contained sentence in the user's language: 「ユーザ"
                            "ーの猫の名前はモチ」,\n"
                            '"User prefers dark mode". Do not store greetings, small talk or what you can look up aga'
                            "in. Saying the same\n"
                            "thing twice reinforces the existing memory instead of adding a copy. Tiers: long_term (d"
                            "efault) for lasting\n"
                            "facts, short_term for things that stop mattering (with ttl_seconds), working for notes d"
                            "uring one task."
                        ),
                        "parameters": {
                            "properties": {
                                "content": {
                                    "description": (
                                        "What to remember, as one self-contained sentence in the user's language (e.g"
                                        ". 'ユーザーの猫の名前はモチ')"
                                    ),
                                    "maxLength": 100000,
                                    "minLength": 1,
                                    "pattern": "\\S",
                                    "type": "string",
                                },
                                "content_type": {
                                    "default": "text",
                                    "description": "Content type",
                                    "enum": ["text", "image", "code", "json", "yaml"],
                                    "type": "string",
                                },
                                "memory_tier": {
                                    "default": "long_term",
                                    "description": (
                                        "long_term: lasting facts (preferences, names, plans); short_term: expires af"
                                        "ter ttl_seconds; working: scratch notes for the task at hand"
                                    ),
                                    "enum": ["short_term", "long_term", "working"],
                                    "type": "string",
                                },
                                "tags": {
                                    "description": (
                                        "Short lowercase tags to find it again, e.g. ['pets', 'preferences']"
                                    ),
                                    "items": {"type": "string"},
                                    "maxItems": 64,
                                    "type": "array",
                                },
                                "metadata": {
                                    "additionalProperties": True,
                                    "description": "Extra metadata (e.g. {'source': 'chat'})", "type": "object",
                                },
                                "agent_id": {
                                    "maxLength": 128, "minLength": 1, "type": "string",
                                    "description": "The agent storing it",
                                },
                                "ttl_seconds": {
                                    "maximum": 315360000,
                                    "minimum": 0,
                                    "type": "integer",
                                    "description": "Time to live in seconds (short_term; default one day)",
                                },
                            },
                            "required": ["content"],
                            "type": "object",
                            "additionalProperties": False,
                        },
                    },
                },
            ],
        },
    ),
    "POST /v1/tools/memory_search": OpExample(
        summary="Find it again",
        request={"query": "user interface preferences", "top_k": 5, "memory_tier": "long_term", "min_similarity": 0.5},
        response={
            "results": [
                {
                    "id": "550e8400-e29b-41d4-a716-000000000009",
                    "content": "User prefers dark mode and large font sizes",
                    "similarity": 0.5423,
                    "memory_tier": "long_term",
                    "tags": ["preferences", "ui"],
                    "created_at": "2025-11-17T10:00:00Z",
                },
            ],
            "total": 1,
        },
    ),
    "POST /v1/tools/memory_get": OpExample(
        summary="Get it by id",
        request={"id": "550e8400-e29b-41d4-a716-000000000009"},
        response={
            "id": "550e8400-e29b-41d4-a716-000000000009",
            "content": "User prefers dark mode and large font sizes",
            "content_type": "text",
            "memory_tier": "long_term",
            "tags": ["preferences", "ui"],
            "metadata": {"source": "settings_page"},
            "created_at": "2025-11-17T10:00:00Z",
            "updated_at": "2025-11-17T10:00:00Z",
            "expires_at": None,
        },
    ),
    "POST /v1/tools/memory_update": OpExample(
        summary="Replace its tags",
        request={"id": "550e8400-e29b-41d4-a716-000000000009", "tags": ["preferences", "ui", "theme"]},
        response={"id": "550e8400-e29b-41d4-a716-000000000009", "updated": True, "updated_at": "2025-11-17T10:00:00Z"},
    ),
    "POST /v1/tools/memory_list": OpExample(
        summary="List long-term memories",
        request={"memory_tier": "long_term", "limit": 20},
        response={
            "memories": [
                {
                    "id": "550e8400-e29b-41d4-a716-000000000009",
                    "content": "User prefers dark mode and large font sizes",
                    "content_type": "text",
                    "memory_tier": "long_term",
                    "tags": ["preferences", "ui", "theme"],
                    "created_at": "2025-11-17T10:00:00Z",
                },
                {
                    "id": "550e8400-e29b-41d4-a716-000000000003",
                    "content": "明日の試験が不安です…\n準備してきたから大丈夫ですよ。応援しています！",
                    "content_type": "text",
                    "memory_tier": "long_term",
                    "tags": [],
                    "created_at": "2025-11-17T10:00:00Z",
                },
                {
                    "id": "550e8400-e29b-41d4-a716-000000000002",
                    "content": "好きな食べ物はラーメンです\nラーメン、いいですね！何味が好きですか？",
                    "content_type": "text",
                    "memory_tier": "long_term",
                    "tags": [],
                    "created_at": "2025-11-17T10:00:00Z",
                },
                {
                    "id": "550e8400-e29b-41d4-a716-000000000001",
                    "content": (
                        "今日はとても楽しい一日でした！新しいゲームを始めました。\n"
                        "それは素晴らしいですね！どんなゲームですか？"
                    ),
                    "content_type": "text",
                    "memory_tier": "long_term",
                    "tags": [],
                    "created_at": "2025-11-17T10:00:00Z",
                },
            ],
            "total": 4,
            "limit": 20,
            "offset": 0,
        },
    ),
    "POST /v1/tools/memory_delete": OpExample(
        summary="Delete it",
        request={"id": "550e8400-e29b-41d4-a716-000000000009"},
        response={"deleted_count": 1, "deleted_ids": ["550e8400-e29b-41d4-a716-000000000009"]},
    ),
}
