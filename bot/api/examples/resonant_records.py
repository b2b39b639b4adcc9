"""Resonant Engine (seed 004): choice points, breathing cycles, restore points, queries.

Requests and answers recorded from a real server; ids, keys and times made stable.
"""

from bot.api.examples.base import OpExample

EXAMPLES: dict[str, OpExample] = {
    "POST /api/memory/choice-points": OpExample(
        summary="Open a choice point",
        request={
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "intent_id": "550e8400-e29b-41d4-a716-000000000013",
            "question": "初期実装にPostgreSQLかSQLiteか？",
            "choices": [
                {
                    "id": "choice_pg",
                    "description": "PostgreSQL: フル機能、本番対応",
                    "implications": {"pros": ["JSONBサポート", "並行アクセス"], "cons": ["セットアップ複雑"]},
                },
                {
                    "id": "choice_sqlite",
                    "description": "SQLite: シンプル、軽量",
                    "implications": {"pros": ["ゼロ設定", "低リソース"], "cons": ["限定的並行性"]},
                },
            ],
            "metadata": {},
        },
        response={
            "choice_point_id": "550e8400-e29b-41d4-a716-000000000016",
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "intent_id": "550e8400-e29b-41d4-a716-000000000013",
            "question": "初期実装にPostgreSQLかSQLiteか？",
            "choices": [
                {
                    "id": "choice_pg",
                    "description": "PostgreSQL: フル機能、本番対応",
                    "implications": {"pros": ["JSONBサポート", "並行アクセス"], "cons": ["セットアップ複雑"]},
                },
                {
                    "id": "choice_sqlite",
                    "description": "SQLite: シンプル、軽量",
                    "implications": {"pros": ["ゼロ設定", "低リソース"], "cons": ["限定的並行性"]},
                },
            ],
            "selected_choice_id": None,
            "created_at": "2025-11-17T10:00:01Z",
            "decided_at": None,
            "decision_rationale": None,
            "status": "pending",
        },
    ),
    "GET /api/memory/choice-points/pending": OpExample(
        summary="Undecided choice points",
        params={"session_id": "550e8400-e29b-41d4-a716-000000000012"},
        response={
            "choice_points": [
                {
                    "choice_point_id": "550e8400-e29b-41d4-a716-000000000016",
                    "session_id": "550e8400-e29b-41d4-a716-000000000012",
                    "intent_id": "550e8400-e29b-41d4-a716-000000000013",
                    "question": "初期実装にPostgreSQLかSQLiteか？",
                    "choices": [
                        {
                            "id": "choice_pg",
                            "description": "PostgreSQL: フル機能、本番対応",
                            "implications": {"pros": ["JSONBサポート", "並行アクセス"], "cons": ["セットアップ複雑"]},
                        },
                        {
                            "id": "choice_sqlite",
                            "description": "SQLite: シンプル、軽量",
                            "implications": {"pros": ["ゼロ設定", "低リソース"], "cons": ["限定的並行性"]},
                        },
                    ],
                    "selected_choice_id": None,
                    "created_at": "2025-11-17T10:00:01Z",
                    "decided_at": None,
                    "decision_rationale": None,
                    "status": "pending",
                },
            ],
            "total": 1,
        },
    ),
    "PUT /api/memory/choice-points/{choice_point_id}/decide": OpExample(
        summary="Decide it",
        params={"choice_point_id": "550e8400-e29b-41d4-a716-000000000016"},
        request={"selected_choice_id": "choice_pg", "decision_rationale": "Yuno評価A+。JSONB、並行性、将来性を考慮。"},
        response={
            "choice_point_id": "550e8400-e29b-41d4-a716-000000000016",
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "intent_id": "550e8400-e29b-41d4-a716-000000000013",
            "question": "初期実装にPostgreSQLかSQLiteか？",
            "choices": [
                {
                    "id": "choice_pg",
                    "description": "PostgreSQL: フル機能、本番対応",
                    "implications": {"pros": ["JSONBサポート", "並行アクセス"], "cons": ["セットアップ複雑"]},
                },
                {
                    "id": "choice_sqlite",
                    "description": "SQLite: シンプル、軽量",
                    "implications": {"pros": ["ゼロ設定", "低リソース"], "cons": ["限定的並行性"]},
                },
            ],
            "selected_choice_id": "choice_pg",
            "created_at": "2025-11-17T10:00:01Z",
            "decided_at": "2025-11-17T10:00:01Z",
            "decision_rationale": "Yuno評価A+。JSONB、並行性、将来性を考慮。",
            "status": "decided",
        },
    ),
    "POST /api/memory/breathing-cycles": OpExample(
        summary="Start a breathing phase",
        request={
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "intent_id": None,
            "phase": "structuring",
            "phase_data": {
                "structures_created": ["データベーススキーマ", "API設計"],
                "tools_used": ["PostgreSQL", "FastAPI"],
            },
        },
        response={
            "cycle_id": "550e8400-e29b-41d4-a716-000000000017",
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "intent_id": None,
            "phase": "structuring",
            "started_at": "2025-11-17T10:00:01Z",
            "completed_at": None,
            "phase_data": {
                "structures_created": ["データベーススキーマ", "API設計"],
                "tools_used": ["PostgreSQL", "FastAPI"],
            },
            "success": None,
        },
    ),
    "PUT /api/memory/breathing-cycles/{cycle_id}/complete": OpExample(
        summary="Complete it",
        params={"cycle_id": "550e8400-e29b-41d4-a716-000000000017"},
        request={"success": True, "phase_data": {"duration_minutes": 30, "outcome": "スキーマ設計完了"}},
        response={
            "cycle_id": "550e8400-e29b-41d4-a716-000000000017",
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "intent_id": None,
            "phase": "structuring",
            "started_at": "2025-11-17T10:00:01Z",
            "completed_at": "2025-11-17T10:00:01Z",
            "phase_data": {
                "structures_created": ["データベーススキーマ", "API設計"],
                "tools_used": ["PostgreSQL", "FastAPI"],
                "duration_minutes": 30,
                "outcome": "スキーマ設計完了",
            },
            "success": True,
        },
    ),
    "GET /api/memory/breathing-cycles": OpExample(
        summary="The session's cycles",
        params={"session_id": "550e8400-e29b-41d4-a716-000000000012"},
        response={
            "cycles": [
                {
                    "cycle_id": "550e8400-e29b-41d4-a716-000000000017",
                    "session_id": "550e8400-e29b-41d4-a716-000000000012",
                    "intent_id": None,
                    "phase": "structuring",
                    "started_at": "2025-11-17T10:00:01Z",
                    "completed_at": "2025-11-17T10:00:01Z",
                    "phase_data": {
                        "structures_created": ["データベーススキーマ", "API設計"],
                        "tools_used": ["PostgreSQL", "FastAPI"],
                        "duration_minutes": 30,
                        "outcome": "スキーマ設計完了",
                    },
                    "success": True,
                },
            ],
            "total": 1,
        },
    ),
    "POST /api/memory/snapshots": OpExample(
        summary="Take a restore point",
        request={
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "snapshot_type": "milestone",
            "description": "メモリスキーマ設計完了",
            "tags": ["schema_design", "milestone", "sprint4"],
        },
        response={
            "snapshot_id": "550e8400-e29b-41d4-a716-000000000018",
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "snapshot_type": "milestone",
            "created_at": "2025-11-17T10:00:01Z",
            "description": "メモリスキーマ設計完了",
            "tags": ["schema_design", "milestone", "sprint4"],
        },
    ),
    "GET /api/memory/snapshots": OpExample(
        summary="The session's restore points",
        params={"session_id": "550e8400-e29b-41d4-a716-000000000012"},
        response={
            "snapshots": [
                {
                    "snapshot_id": "550e8400-e29b-41d4-a716-000000000018",
                    "session_id": "550e8400-e29b-41d4-a716-000000000012",
                    "snapshot_type": "milestone",
                    "created_at": "2025-11-17T10:00:01Z",
                    "description": "メモリスキーマ設計完了",
                    "tags": ["schema_design", "milestone", "sprint4"],
                },
            ],
            "total": 1,
        },
    ),
    "GET /api/memory/snapshots/{snapshot_id}": OpExample(
        summary="One restore point with its data",
        params={"snapshot_id": "550e8400-e29b-41d4-a716-000000000018"},
        response={
            "snapshot_id": "550e8400-e29b-41d4-a716-000000000018",
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "snapshot_type": "milestone",
            "created_at": "2025-11-17T10:00:01Z",
            "description": "メモリスキーマ設計完了",
            "tags": ["schema_design", "milestone", "sprint4"],
            "snapshot_data": {
                "session": {
                    "session_id": "550e8400-e29b-41d4-a716-000000000012",
                    "user_id": "hiroaki",
                    "started_at": "2025-11-17T10:00:01Z",
                    "last_active": "2025-11-17T10:00:01Z",
                    "status": "active",
                    "metadata": {"client": "web", "version": "1.0.0"},
                },
                "intents": [
                    {
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
                        "metadata": {},
                    },
                ],
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
                        "metadata": {},
                    },
                ],
                "agent_contexts": [
                    {
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
                        "superseded_by": None,
                        "metadata": {},
                    },
                ],
                "choice_points": [
                    {
                        "choice_point_id": "550e8400-e29b-41d4-a716-000000000016",
                        "session_id": "550e8400-e29b-41d4-a716-000000000012",
                        "intent_id": "550e8400-e29b-41d4-a716-000000000013",
                        "question": "初期実装にPostgreSQLかSQLiteか？",
                        "choices": [
                            {
                                "id": "choice_pg",
                                "description": "PostgreSQL: フル機能、本番対応",
                                "implications": {
                                    "pros": ["JSONBサポート", "並行アクセス"],
                                    "cons": ["セットアップ複雑"],
                                },
                            },
                            {
                                "id": "choice_sqlite",
                                "description": "SQLite: シンプル、軽量",
                                "implications": {"pros": ["ゼロ設定", "低リソース"], "cons": ["限定的並行性"]},
                            },
                        ],
                        "selected_choice_id": "choice_pg",
                        "created_at": "2025-11-17T10:00:01Z",
                        "decided_at": "2025-11-17T10:00:01Z",
                        "decision_rationale": "Yuno評価A+。JSONB、並行性、将来性を考慮。",
                        "status": "decided",
                        "metadata": {},
                    },
                ],
                "breathing_cycles": [
                    {
                        "cycle_id": "550e8400-e29b-41d4-a716-000000000017",
                        "session_id": "550e8400-e29b-41d4-a716-000000000012",
                        "intent_id": None,
                        "phase": "structuring",
                        "started_at": "2025-11-17T10:00:01Z",
                        "completed_at": "2025-11-17T10:00:01Z",
                        "phase_data": {
                            "structures_created": ["データベーススキーマ", "API設計"],
                            "tools_used": ["PostgreSQL", "FastAPI"],
                            "duration_minutes": 30,
                            "outcome": "スキーマ設計完了",
                        },
                        "success": True,
                    },
                ],
            },
        },
    ),
    "POST /api/memory/query": OpExample(
        summary="Completed intents of the session",
        request={
            "session_id": "550e8400-e29b-41d4-a716-000000000012",
            "query": {"type": "intents", "status": "completed"},
        },
        response={
            "query_id": "550e8400-e29b-41d4-a716-000000000019",
            "results": [
                {
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
            ],
            "count": 1,
            "execution_time_ms": 10,
        },
    ),
}
