"""Memory Mesh accounts (seed 002): register, tokens, keys.

Requests and answers recorded from a real server; ids, keys and times made stable.
"""

from bot.api.examples.base import OpExample

EXAMPLES: dict[str, OpExample] = {
    "POST /v1/auth/register": OpExample(
        summary="Register (seed 002)",
        request={"email": "user@example.com", "username": "testuser", "password": "SecurePass123"},
        response={
            "id": "550e8400-e29b-41d4-a716-000000000004", "email": "user@example.com", "username": "testuser",
            "created_at": "2025-11-17T10:00:00Z",
        },
    ),
    "POST /v1/auth/login": OpExample(
        summary="Log in",
        request={"email": "user@example.com", "password": "SecurePass123"},
        response={
            "access_token": (
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1NTBlODQwMCIsInR5cCI6IiJ9.example-signature-1"
            ),
            "refresh_token": (
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1NTBlODQwMCIsInR5cCI6IiJ9.example-signature-2"
            ),
            "token_type": "bearer",
            "expires_in": 1800,
        },
    ),
    "POST /v1/auth/refresh": OpExample(
        summary="Trade the refresh token for a new pair",
        request={
            "refresh_token": (
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1NTBlODQwMCIsInR5cCI6IiJ9.example-signature-2"
            ),
        },
        response={
            "access_token": (
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1NTBlODQwMCIsInR5cCI6IiJ9.example-signature-3"
            ),
            "refresh_token": (
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1NTBlODQwMCIsInR5cCI6IiJ9.example-signature-4"
            ),
            "token_type": "bearer",
            "expires_in": 1800,
        },
    ),
    "POST /v1/auth/api-keys": OpExample(
        summary="A key for the user's server (shown once)",
        as_user=True,
        request={"name": "my-app-server", "expires_days": 90},
        response={
            "id": "550e8400-e29b-41d4-a716-000000000005", "name": "my-app-server",
            "key": "omo_MyAppServerKeyExampleOnly0000000000000000", "prefix": "omo_MyAppS",
            "created_at": "2025-11-17T10:00:00Z", "expires_at": "2026-02-15T10:00:00Z",
        },
    ),
    "GET /v1/auth/api-keys": OpExample(
        summary="The user's keys",
        as_user=True,
        response={
            "keys": [
                {
                    "id": "550e8400-e29b-41d4-a716-000000000005", "name": "my-app-server", "prefix": "omo_MyAppS",
                    "admin": False, "tenants": None, "personas": None, "created_at": "2025-11-17T10:00:00Z",
                    "expires_at": "2026-02-15T10:00:00Z", "revoked_at": None, "read_only": False,
                    "require_signature": False,
                },
            ],
        },
    ),
    "GET /v1/auth/me": OpExample(
        summary="Who am I",
        as_user=True,
        response={
            "id": "550e8400-e29b-41d4-a716-000000000004",
            "email": "user@example.com",
            "username": "testuser",
            "created_at": "2025-11-17T10:00:00",
            "owned_tenants": ["my-app"],
            "granted_tenants": [],
        },
    ),
    "GET /v1/auth/me/export": OpExample(
        summary="Everything kept about the user (JSON lines; an excerpt)",
        as_user=True,
        response=(
            '{"format": "omoide.mesh_user", "version": 1, "id": "550e8400-e29b-41d4-a716-000000000004", "email": "use'
            'r@example.com", "username": "testuser", "created_at": "2025-11-17T10:00:00+00:00"}\n'
            '{"format": "omoide.api_key", "version": 1, "id": "550e8400-e29b-41d4-a716-000000000005", "name": "my-app'
            '-server", "prefix": "omo_MyAppS", "created_at": "2025-11-17T10:00:00+00:00", "expires_at": "2026-02-15T1'
            '0:00:00+00:00", "revoked_at": null}\n'
            '{"format": "omoide.tenant", "version": 1, "tenant_id": "my-app", "access": "owner"}\n'
        ),
    ),
    "DELETE /v1/auth/api-keys/{key_id}": OpExample(
        summary="Revoke a key",
        as_user=True,
        params={"key_id": "550e8400-e29b-41d4-a716-000000000005"},
        response={
            "id": "550e8400-e29b-41d4-a716-000000000005", "name": "my-app-server", "prefix": "omo_MyAppS",
            "admin": False, "tenants": None, "personas": None, "created_at": "2025-11-17T10:00:00Z",
            "expires_at": "2026-02-15T10:00:00Z", "revoked_at": "2025-11-17T10:00:00Z", "read_only": False,
            "require_signature": False,
        },
    ),
    "DELETE /v1/auth/me": OpExample(
        summary="Delete the account and the tenants it owns",
        as_user=True,
        request={"password": "SecurePass123"},
        response={
            "user_id": "550e8400-e29b-41d4-a716-000000000004",
            "deleted_tenants": ["my-app"],
            "deleted_memories": 3,
            "deleted_conversations": 2,
            "revoked_api_keys": 0,
        },
    ),
}
