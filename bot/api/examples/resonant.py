"""Resonant Engine (seed 004): sessions, intents, resonances, agent contexts.

Requests and answers recorded from a real server; ids, keys and times made stable.
"""

from bot.api.examples.base import OpExample

EXAMPLES: dict[str, OpExample] = {
    "GET /api/memory/health": OpExample(
        summary="Resonant Engine health (seed 004)",
        response={"status": "healthy", "version": "1.0.0", "service": "memory_management"},
    ),
    "POST /api/memory/sessions": OpExample(
        summary="Start a session (seed 004)",
        request={"user_id": "hiroaki", "metadata": {"client": "web", "version": "1.0.0"}},
        response={
            "session_id": "550e8400-e29b-41d4-a716-000000000012", "user_id": "hiroaki",
            "started_at": "2025-11-17T10:00:01Z", "last_active": "2025-11-17T10:00:01Z", "status": "active",
        },
    ),
    "POST /api/memory/intents": OpExample(
        summary="Record an intent",
        request={
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "parent_intent_id": None,
            "intent_text": "メモリ管理システムの設計",
            "intent_type": "feature_request",
            "priority": 8,
            "metadata": {},
        },
        response={
            "intent_id": "550e8400-e29b-41d4-a716-000000000013", "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "parent_intent_id": None, "intent_text": "メモリ管理システムの設計", "intent_type": "feature_request",
            "priority": 8, "created_at": "2025-11-17T10:00:01Z", "updated_at": "2025-11-17T10:00:01Z",
            "completed_at": None, "status": "pending", "outcome": None,
        },
    ),
    "GET /api/memory/intents": OpExample(
        summary="Pending intents of the session",
        params={"session_id": "550e8400-e29b-41d4-a716-000000000012", "status": "pending"},
        response={
            "intents": [
                {
                    "intent_id": "550e8400-e29b-41d4-a716-000000000013",
                    "session_id": "550e8400-e29b-41d4-a716-000000000012", "parent_intent_id": None,
                    "intent_text": "メモリ管理システムの設計", "intent_type": "feature_request", "priority": 8,
                    "created_at": "2025-11-17T10:00:01Z", "updated_at": "2025-11-17T10:00:01Z", "completed_at": None,
                    "status": "pending", "outcome": None,
                },
            ],
            "total": 1,
        },
    ),
    "PUT /api/memory/intents/{intent_id}/complete": OpExample(
        summary="Complete it with an outcome",
        params={"intent_id": "550e8400-e29b-41d4-a716-000000000013"},
        request={
            "outcome": {
                "implementation": "スキーマとAPI実装完了",
                "learnings": ["JSONB の柔軟性", "リポジトリパターン"],
                "next_steps": ["テスト", "ドキュメント"],
            },
        },
        response={
            "intent_id": "550e8400-e29b-41d4-a716-000000000013",
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "parent_intent_id": None,
            "intent_text": "メモリ管理システムの設計",
            "intent_type": "feature_request",
            "priority": 8,
            "created_at": "2025-11-17T10:00:01Z",
            "updated_at": "2025-11-17T10:00:01Z",
            "completed_at": "2025-11-17T10:00:01Z",
            "status": "completed",
            "outcome": {
                "implementation": "スキーマとAPI実装完了",
                "learnings": ["JSONB の柔軟性", "リポジトリパターン"],
                "next_steps": ["テスト", "ドキュメント"],
            },
        },
    ),
    "POST /api/memory/resonances": OpExample(
        summary="Record a resonance",
        request={
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "intent_id": None,
            "state": "aligned",
            "intensity": 0.85,
            "agents": ["yuno", "kana"],
            "pattern_type": "philosophical_alignment",
            "duration_ms": 1500,
            "metadata": {},
        },
        response={
            "resonance_id": "550e8400-e29b-41d4-a716-000000000014",
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "intent_id": None,
            "state": "aligned",
            "intensity": 0.85,
            "agents": ["yuno", "kana"],
            "timestamp": "2025-11-17T10:00:01Z",
            "duration_ms": 1500,
            "pattern_type": "philosophical_alignment",
        },
    ),
    "GET /api/memory/resonances": OpExample(
        summary="The session's resonances",
        params={"session_id": "550e8400-e29b-41d4-a716-000000000012"},
        response={
            "resonances": [
                {
                    "resonance_id": "550e8400-e29b-41d4-a716-000000000014",
                    "session_id": "550e8400-e29b-41d4-a716-000000000012",
                    "intent_id": None,
                    "state": "aligned",
                    "intensity": 0.85,
                    "agents": ["yuno", "kana"],
                    "timestamp": "2025-11-17T10:00:01Z",
                    "duration_ms": 1500,
                    "pattern_type": "philosophical_alignment",
                },
            ],
            "total": 1,
            "avg_intensity": 0.85,
        },
    ),
    "POST /api/memory/contexts": OpExample(
        summary="Save kana's context",
        request={
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "intent_id": None,
            "agent_type": "kana",
            "context_data": {
                "current_focus": "メモリスキーマ設計",
                "recent_decisions": ["PostgreSQL使用", "柔軟性のためJSONB"],
                "pending_questions": ["バージョニング戦略は？"],
            },
            "metadata": {},
        },
        response={
            "context_id": "550e8400-e29b-41d4-a716-000000000015",
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "intent_id": None,
            "agent_type": "kana",
            "version": 1,
            "context_data": {
                "current_focus": "メモリスキーマ設計",
                "recent_decisions": ["PostgreSQL使用", "柔軟性のためJSONB"],
                "pending_questions": ["バージョニング戦略は？"],
            },
            "created_at": "2025-11-17T10:00:01Z",
        },
    ),
    "GET /api/memory/contexts/latest": OpExample(
        summary="kana's latest context",
        params={"session_id": "550e8400-e29b-41d4-a716-000000000012", "agent_type": "kana"},
        response={
            "context_id": "550e8400-e29b-41d4-a716-000000000015",
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "intent_id": None,
            "agent_type": "kana",
            "version": 1,
            "context_data": {
                "current_focus": "メモリスキーマ設計",
                "recent_decisions": ["PostgreSQL使用", "柔軟性のためJSONB"],
                "pending_questions": ["バージョニング戦略は？"],
            },
            "created_at": "2025-11-17T10:00:01Z",
        },
    ),
    "GET /api/memory/contexts/all": OpExample(
        summary="Every agent's latest context",
        params={"session_id": "550e8400-e29b-41d4-a716-000000000012"},
        response={
            "contexts": {
                "kana": {
                    "current_focus": "メモリスキーマ設計",
                    "recent_decisions": ["PostgreSQL使用", "柔軟性のためJSONB"],
                    "pending_questions": ["バージョニング戦略は？"],
                },
            },
        },
    ),
    "PUT /api/memory/sessions/{session_id}/heartbeat": OpExample(
        summary="Keep the session alive",
        params={"session_id": "550e8400-e29b-41d4-a716-000000000012"},
        response={
            "session_id": "550e8400-e29b-41d4-a716-000000000012", "user_id": "hiroaki",
            "started_at": "2025-11-17T10:00:01Z", "last_active": "2025-11-17T10:00:01Z", "status": "active",
        },
    ),
    "GET /api/memory/sessions/{session_id}": OpExample(
        summary="A session and its summary",
        params={"session_id": "550e8400-e29b-41d4-a716-000000000012"},
        response={
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "user_id": "hiroaki",
            "started_at": "2025-11-17T10:00:01Z",
            "last_active": "2025-11-17T10:00:01Z",
            "status": "active",
            "summary": {
                "total_intents": 1, "completed_intents": 1, "resonance_events": 1, "choice_points": 1,
                "breathing_cycles": 1, "avg_intensity": 0.85,
            },
        },
    ),
    "POST /api/memory/sessions/{session_id}/continue": OpExample(
        summary="Pick the session up again",
        params={"session_id": "550e8400-e29b-41d4-a716-000000000012"},
        response={
            "session": {
                "session_id": "550e8400-e29b-41d4-a716-000000000012", "user_id": "hiroaki",
                "started_at": "2025-11-17T10:00:01Z", "last_active": "2025-11-17T10:00:02Z", "status": "active",
            },
            "agent_contexts": {
                "kana": {
                    "current_focus": "メモリスキーマ設計",
                    "recent_decisions": ["PostgreSQL使用", "柔軟性のためJSONB"],
                    "pending_questions": ["バージョニング戦略は？"],
                },
            },
            "pending_choices": [],
            "last_intent": {
                "intent_id": "550e8400-e29b-41d4-a716-000000000013",
                "session_id": "550e8400-e29b-41d4-a716-000000000012",
                "parent_intent_id": None,
                "intent_text": "メモリ管理システムの設計",
                "intent_type": "feature_request",
                "priority": 8,
                "created_at": "2025-11-17T10:00:01Z",
                "updated_at": "2025-11-17T10:00:01Z",
                "completed_at": "2025-11-17T10:00:01Z",
                "status": "completed",
                "outcome": {
                    "implementation": "スキーマとAPI実装完了",
                    "learnings": ["JSONB の柔軟性", "リポジトリパターン"],
                    "next_steps": ["テスト", "ドキュメント"],
                },
            },
            "current_breathing_phase": None,
        },
    ),
}
