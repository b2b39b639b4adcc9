"""Admin routes (an admin API key): tenants and grants, Mesh users, jobs, snapshots.

Requests and answers recorded from a real server; ids, keys and times made stable.
"""

from bot.api.examples.base import OpExample

EXAMPLES: dict[str, OpExample] = {
    "GET /admin/tenants": OpExample(
        summary="Tenants, owners and grants",
        params={"limit": 50, "offset": 0},
        response={
            "tenants": [
                {
                    "tenant_id": "default",
                    "owner": "system",
                    "source": "upgrade",
                    "created_at": "2025-11-17T09:59:59Z",
                    "grants": [],
                },
                {
                    "tenant_id": "my-app",
                    "owner": "user:550e8400-e29b-41d4-a716-000000000004",
                    "source": "write",
                    "created_at": "2025-11-17T10:00:00Z",
                    "grants": [],
                },
            ],
            "total": 2,
        },
    ),
    "POST /admin/tenants/{tenant_id}/grants": OpExample(
        summary="Let a Mesh user reach a tenant",
        params={"tenant_id": "default"},
        request={"user_id": "550e8400-e29b-41d4-a716-000000000004"},
        response={"tenant_id": "default", "user_id": "550e8400-e29b-41d4-a716-000000000004", "created": True},
    ),
    "DELETE /admin/tenants/{tenant_id}/grants/{user_id}": OpExample(
        summary="Take the grant back",
        params={"tenant_id": "default", "user_id": "550e8400-e29b-41d4-a716-000000000004"},
        response={"tenant_id": "default", "user_id": "550e8400-e29b-41d4-a716-000000000004", "created": False},
    ),
    "GET /admin/mesh-users": OpExample(
        summary="Memory Mesh users",
        params={"limit": 50, "offset": 0},
        response={
            "users": [
                {
                    "id": "550e8400-e29b-41d4-a716-000000000004",
                    "email": "user@example.com",
                    "username": "testuser",
                    "created_at": "2025-11-17T10:00:00Z",
                    "owned_tenants": ["my-app"],
                    "granted_tenants": [],
                },
            ],
            "total": 1,
        },
    ),
    "GET /admin/mesh-users/{user_id}/export": OpExample(
        summary="Everything kept about a Mesh user (an excerpt)",
        params={"user_id": "550e8400-e29b-41d4-a716-000000000004"},
        response=(
            '{"format": "omoide.mesh_user", "version": 1, "id": "550e8400-e29b-41d4-a716-000000000004", "email": "use'
            'r@example.com", "username": "testuser", "created_at": "2025-11-17T10:00:00+00:00"}\n'
            '{"format": "omoide.api_key", "version": 1, "id": "550e8400-e29b-41d4-a716-000000000005", "name": "my-app'
            '-server", "prefix": "omo_MyAppS", "created_at": "2025-11-17T10:00:00+00:00", "expires_at": "2026-02-15T1'
            '0:00:00+00:00", "revoked_at": "2025-11-17T10:00:00+00:00"}\n'
            '{"format": "omoide.tenant", "version": 1, "tenant_id": "my-app", "access": "owner"}\n'
        ),
    ),
    "GET /admin/jobs": OpExample(
        summary="The scheduled jobs",
        response={
            "enabled": True,
            "leader": True,
            "jobs": [
                {
                    "id": "ttl_sweep",
                    "description": "Delete short_term memories whose TTL has passed (history kept).",
                    "interval_seconds": 300,
                    "next_run_at": "2025-11-17T10:04:58Z",
                    "running": False,
                    "runs": 1,
                    "failures": 0,
                    "last_started_at": "2025-11-17T10:00:01Z",
                    "last_finished_at": "2025-11-17T10:00:01Z",
                    "last_duration_ms": 7.1,
                    "last_result": {"deleted": 0},
                    "last_error": None,
                },
                {
                    "id": "importance_decay",
                    "description": (
                        "Lower the importance of memories not recalled for a while; reinforce recalled ones (never de"
                        "letes)."
                    ),
                    "interval_seconds": 3600,
                    "next_run_at": "2025-11-17T10:59:58Z",
                    "running": False,
                    "runs": 0,
                    "failures": 0,
                    "last_started_at": None,
                    "last_finished_at": None,
                    "last_duration_ms": None,
                    "last_result": None,
                    "last_error": None,
                },
            ],
        },
    ),
    "POST /admin/jobs/{job_id}/run": OpExample(
        summary="Run the TTL sweep now",
        params={"job_id": "ttl_sweep"},
        response={
            "id": "ttl_sweep",
            "description": "Delete short_term memories whose TTL has passed (history kept).",
            "interval_seconds": 300,
            "next_run_at": "2025-11-17T10:04:58Z",
            "running": False,
            "runs": 1,
            "failures": 0,
            "last_started_at": "2025-11-17T10:00:01Z",
            "last_finished_at": "2025-11-17T10:00:01Z",
            "last_duration_ms": 7.1,
            "last_result": {"deleted": 0},
            "last_error": None,
        },
    ),
    "POST /admin/snapshots": OpExample(
        summary="Take a snapshot",
        request={"description": "before the persona update", "tags": ["manual", "v2"]},
        response={
            "name": "20251117T100001Z",
            "created_at": "2025-11-17T10:00:01Z",
            "kind": "manual",
            "description": "before the persona update",
            "tags": ["manual", "v2"],
            "counts": {
                "api_audit": 17, "api_conversations": 2, "api_keys": 3, "api_refresh_tokens": 2,
                "api_tenant_grants": 0, "api_tenant_owners": 2, "api_token_families": 1, "api_users": 1, "cubes": 3,
                "engine_meta": 2, "memories": 7, "memory_fts": 7, "memory_fts_config": 1, "memory_fts_content": 7,
                "memory_fts_data": 9, "memory_fts_docsize": 7, "memory_fts_idx": 7, "memory_fts_vocab": 85,
                "memory_history": 10, "resonant_agent_contexts": 0, "resonant_breathing_cycles": 0,
                "resonant_choice_points": 0, "resonant_intents": 0, "resonant_queries": 0, "resonant_resonances": 0,
                "resonant_sessions": 0, "resonant_snapshots": 0,
            },
            "size_bytes": 330154,
            "removed": [],
        },
    ),
    "GET /admin/snapshots": OpExample(
        summary="Snapshots on disk",
        response={
            "snapshots": [
                {
                    "name": "20251117T100001Z",
                    "created_at": "2025-11-17T10:00:01Z",
                    "kind": "manual",
                    "description": "before the persona update",
                    "tags": ["manual", "v2"],
                    "counts": {
                        "api_audit": 17, "api_conversations": 2, "api_keys": 3, "api_refresh_tokens": 2,
                        "api_tenant_grants": 0, "api_tenant_owners": 2, "api_token_families": 1, "api_users": 1,
                        "cubes": 3, "engine_meta": 2, "memories": 7, "memory_fts": 7, "memory_fts_config": 1,
                        "memory_fts_content": 7, "memory_fts_data": 9, "memory_fts_docsize": 7, "memory_fts_idx": 7,
                        "memory_fts_vocab": 85, "memory_history": 10, "resonant_agent_contexts": 0,
                        "resonant_breathing_cycles": 0, "resonant_choice_points": 0, "resonant_intents": 0,
                        "resonant_queries": 0, "resonant_resonances": 0, "resonant_sessions": 0,
                        "resonant_snapshots": 0,
                    },
                    "size_bytes": 330154,
                },
            ],
            "total": 1,
        },
    ),
    "GET /admin/snapshots/{name}": OpExample(
        summary="One snapshot, verified",
        params={"name": "20251117T100001Z", "verify": True},
        response={
            "name": "20251117T100001Z",
            "created_at": "2025-11-17T10:00:01Z",
            "kind": "manual",
            "description": "before the persona update",
            "tags": ["manual", "v2"],
            "counts": {
                "api_audit": 17, "api_conversations": 2, "api_keys": 3, "api_refresh_tokens": 2,
                "api_tenant_grants": 0, "api_tenant_owners": 2, "api_token_families": 1, "api_users": 1, "cubes": 3,
                "engine_meta": 2, "memories": 7, "memory_fts": 7, "memory_fts_config": 1, "memory_fts_content": 7,
                "memory_fts_data": 9, "memory_fts_docsize": 7, "memory_fts_idx": 7, "memory_fts_vocab": 85,
                "memory_history": 10, "resonant_agent_contexts": 0, "resonant_breathing_cycles": 0,
                "resonant_choice_points": 0, "resonant_intents": 0, "resonant_queries": 0, "resonant_resonances": 0,
                "resonant_sessions": 0, "resonant_snapshots": 0,
            },
            "size_bytes": 330154,
            "manifest": {
                "format": "omoide-snapshot",
                "version": 1,
                "omoide_version": "0.1.0",
                "sqlite_version": "3.40.1",
                "created_at": "2025-11-17T10:00:01+00:00",
                "kind": "manual",
                "description": "before the persona update",
                "tags": ["manual", "v2"],
                "embedding_model": "omoide/multilingual-e5-small-q4|384",
                "counts": {
                    "api_audit": 17, "api_conversations": 2, "api_keys": 3, "api_refresh_tokens": 2,
                    "api_tenant_grants": 0, "api_tenant_owners": 2, "api_token_families": 1, "api_users": 1,
                    "cubes": 3, "engine_meta": 2, "memories": 7, "memory_fts": 7, "memory_fts_config": 1,
                    "memory_fts_content": 7, "memory_fts_data": 9, "memory_fts_docsize": 7, "memory_fts_idx": 7,
                    "memory_fts_vocab": 85, "memory_history": 10, "resonant_agent_contexts": 0,
                    "resonant_breathing_cycles": 0, "resonant_choice_points": 0, "resonant_intents": 0,
                    "resonant_queries": 0, "resonant_resonances": 0, "resonant_sessions": 0, "resonant_snapshots": 0,
                },
                "files": {
                    "indexes/default__default__bd0bc763f5.hnsw": {
                        "size": 7072,
                        "sha256": "784ca11edc3357f23d939998ce4f5c201a494bc05554e5df91185866163c9d69",
                    },
                    "indexes/default__default__bd0bc763f5.json": {
                        "size": 174,
                        "sha256": "1a2d7084d25695d4d04a93c66e16e3b3c851356188bc4ab9007b591a21f4ba44",
                    },
                    "indexes/default__user_user_listy_cube__9b4b6e328e.hnsw": {
                        "size": 1840,
                        "sha256": "ccc0bfe66f2ee6e22d4f612dccd93af0c0dc1637597250fc885436f229e030f1",
                    },
                    "indexes/default__user_user_listy_cube__9b4b6e328e.json": {
                        "size": 174,
                        "sha256": "82737d341de7fd0bf2ac7a9bd9f73de1a91a3c7a69d75e82d18b7fc76cfc9f50",
                    },
                    "indexes/my-app__default__274103243e.hnsw": {
                        "size": 5328,
                        "sha256": "738ad270f439804a6f92774a9d87f430d6f851fffd4470400bf8491a6e65cfd8",
                    },
                    "indexes/my-app__default__274103243e.json": {
                        "size": 174,
                        "sha256": "30b06d9b46fa66e8fe922d416ea97fc6d95015220e31ba7a9e71385ab01d87ba",
                    },
                    "omoide.db": {
                        "size": 315392,
                        "sha256": "be18126f669cb859942de84fe8754455834c1f60bc96822bd07d2cd4714ae1d8",
                    },
                },
            },
            "verified": True,
            "problem": None,
        },
    ),
    "DELETE /admin/mesh-users/{user_id}": OpExample(
        summary="Delete a Mesh user",
        params={"user_id": "550e8400-e29b-41d4-a716-000000000020"},
        response={
            "user_id": "550e8400-e29b-41d4-a716-000000000020",
            "deleted_tenants": [],
            "deleted_memories": 0,
            "deleted_conversations": 0,
            "revoked_api_keys": 0,
        },
    ),
}
