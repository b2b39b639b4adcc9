"""Memory Mesh (seed 002): messages, search, conversations.

Requests and answers recorded from a real server; ids, keys and times made stable.
"""

from bot.api.examples.base import OpExample

EXAMPLES: dict[str, OpExample] = {
    "POST /v1/messages": OpExample(
        summary="Store a message (seed 002)",
        as_user=True,
        request={
            "tenant_id": "my-app",
            "conversation_id": "user-123",
            "role": "user",
            "content": "I need help with Python programming",
            "importance": 0.8,
            "metadata": {"source": "web", "session_id": "abc123"},
        },
        response={
            "id": "550e8400-e29b-41d4-a716-000000000006",
            "tenant_id": "my-app",
            "conversation_id": "user-123",
            "role": "user",
            "content": "I need help with Python programming",
            "importance": 0.8,
            "metadata": {"source": "web", "session_id": "abc123"},
            "emotions": ["喜び"],
            "created_at": "2025-11-17T10:00:00Z",
            "deduplicated": False,
        },
    ),
    "POST /v1/messages/batch": OpExample(
        summary="Store two messages",
        as_user=True,
        request={
            "messages": [
                {
                    "tenant_id": "my-app", "conversation_id": "user-123", "role": "user",
                    "content": "Hello, how are you?",
                },
                {
                    "tenant_id": "my-app", "conversation_id": "user-123", "role": "assistant",
                    "content": "I'm doing well, thank you!",
                },
            ],
        },
        response={
            "created": [
                {
                    "id": "550e8400-e29b-41d4-a716-000000000007",
                    "tenant_id": "my-app",
                    "conversation_id": "user-123",
                    "role": "user",
                    "content": "Hello, how are you?",
                    "importance": 0.5,
                    "metadata": {},
                    "emotions": [],
                    "created_at": "2025-11-17T10:00:00Z",
                    "deduplicated": False,
                },
                {
                    "id": "550e8400-e29b-41d4-a716-000000000008",
                    "tenant_id": "my-app",
                    "conversation_id": "user-123",
                    "role": "assistant",
                    "content": "I'm doing well, thank you!",
                    "importance": 0.5,
                    "metadata": {},
                    "emotions": ["親しみ"],
                    "created_at": "2025-11-17T10:00:00Z",
                    "deduplicated": False,
                },
            ],
            "failed": [],
        },
    ),
    "GET /v1/memory/search": OpExample(
        summary="Semantic search in a tenant",
        as_user=True,
        params={"tenant_id": "my-app", "query": "Python programming help", "top_k": 5},
        response={
            "results": [
                {
                    "id": "550e8400-e29b-41d4-a716-000000000006",
                    "content": "I need help with Python programming",
                    "score": 0.9545,
                    "role": "user",
                    "conversation_id": "user-123",
                    "importance": 0.8,
                    "metadata": {"source": "web", "session_id": "abc123"},
                    "created_at": "2025-11-17T10:00:00Z",
                },
                {
                    "id": "550e8400-e29b-41d4-a716-000000000007",
                    "content": "Hello, how are you?",
                    "score": 0.5573,
                    "role": "user",
                    "conversation_id": "user-123",
                    "importance": 0.5,
                    "metadata": {},
                    "created_at": "2025-11-17T10:00:00Z",
                },
                {
                    "id": "550e8400-e29b-41d4-a716-000000000008",
                    "content": "I'm doing well, thank you!",
                    "score": 0.4479,
                    "role": "assistant",
                    "conversation_id": "user-123",
                    "importance": 0.5,
                    "metadata": {},
                    "created_at": "2025-11-17T10:00:00Z",
                },
            ],
            "total": 3,
        },
    ),
    "POST /v1/conversations": OpExample(
        summary="Create a conversation",
        as_user=True,
        request={
            "tenant_id": "my-app",
            "conversation_id": "support-42",
            "title": "Python help",
            "metadata": {"channel": "web"},
        },
        response={
            "tenant_id": "my-app",
            "conversation_id": "support-42",
            "title": "Python help",
            "metadata": {"channel": "web"},
            "message_count": 0,
            "created_at": "2025-11-17T10:00:00Z",
            "updated_at": "2025-11-17T10:00:00Z",
        },
    ),
    "GET /v1/conversations": OpExample(
        summary="List conversations",
        as_user=True,
        params={"tenant_id": "my-app", "limit": 20, "offset": 0},
        response={
            "conversations": [
                {
                    "tenant_id": "my-app",
                    "conversation_id": "support-42",
                    "title": "Python help",
                    "metadata": {"channel": "web"},
                    "message_count": 0,
                    "created_at": "2025-11-17T10:00:00Z",
                    "updated_at": "2025-11-17T10:00:00Z",
                },
                {
                    "tenant_id": "my-app",
                    "conversation_id": "user-123",
                    "title": None,
                    "metadata": {},
                    "message_count": 3,
                    "created_at": "2025-11-17T10:00:00Z",
                    "updated_at": "2025-11-17T10:00:00Z",
                },
            ],
            "total": 2,
            "limit": 20,
            "offset": 0,
        },
    ),
    "GET /v1/conversations/{conversation_id}": OpExample(
        summary="One conversation",
        as_user=True,
        params={"conversation_id": "user-123", "tenant_id": "my-app"},
        response={
            "tenant_id": "my-app",
            "conversation_id": "user-123",
            "title": None,
            "metadata": {},
            "message_count": 3,
            "created_at": "2025-11-17T10:00:00Z",
            "updated_at": "2025-11-17T10:00:00Z",
        },
    ),
}
