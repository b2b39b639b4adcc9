"""Clients written the way the seeds write theirs (same call shapes, same fields read).

EmotionMemCoreClient is the seed 000 client (logging trimmed), SecureEmotionMemClient its signing one;
the Memory Mesh functions are the seed 002 ones; CocoroDock (seed 001) is C#, so its three calls are
written here with httpx.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import httpx


class EmotionMemCoreClient:
    """EmotionMemCore API クライアント (seed 000)"""

    def __init__(self, base_url: str = "http://localhost:8000", api_key: str | None = None):
        self.base_url = base_url.rstrip('/')
        self.headers = {"Content-Type": "application/json"}
        if api_key:
            self.headers["X-API-Key"] = api_key
        self.client = httpx.AsyncClient(timeout=30.0, headers=self.headers)

    async def save_memory(self, user_message: str, ai_message: str, user_id: str, session_id: str | None = None,
                          metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        payload = {"user_message": user_message, "ai_message": ai_message, "user_id": user_id}
        if session_id:
            payload["session_id"] = session_id
        if metadata:
            payload["metadata"] = metadata
        response = await self.client.post(f"{self.base_url}/save", json=payload)
        response.raise_for_status()
        return response.json()

    async def search_memories(self, query: str, user_id: str, top_k: int = 5, emotions: list[str] | None = None,
                              start_date: str | None = None, end_date: str | None = None) -> dict[str, Any]:
        payload = {"query": query, "user_id": user_id, "top_k": top_k}
        if emotions:
            payload["emotions"] = emotions
        if start_date:
            payload["start_date"] = start_date
        if end_date:
            payload["end_date"] = end_date
        response = await self.client.post(f"{self.base_url}/search", json=payload)
        response.raise_for_status()
        return response.json()

    async def get_memories(self, user_id: str, limit: int = 10, offset: int = 0,
                           emotions: list[str] | None = None) -> dict[str, Any]:
        params = {"user_id": user_id, "limit": limit, "offset": offset}
        if emotions:
            params["emotions"] = ",".join(emotions)
        response = await self.client.get(f"{self.base_url}/memories", params=params)
        response.raise_for_status()
        return response.json()

    async def batch_save_memories(self, conversations: list[dict[str, Any]]) -> dict[str, Any]:
        response = await self.client.post(f"{self.base_url}/batch-save", json=conversations)
        response.raise_for_status()
        return response.json()

    async def health_check(self) -> dict[str, Any]:
        response = await self.client.get(f"{self.base_url}/health/")
        response.raise_for_status()
        return response.json()

    async def close(self):
        await self.client.aclose()


class MemoryMeshClient:
    """Seed 002's client: Bearer token or x-api-key."""

    def __init__(self, base_url: str = "http://localhost:8000", access_token: str | None = None,
                 api_key: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.client = httpx.AsyncClient(
            base_url=self.base_url,
            headers={
                "Content-Type": "application/json",
                **({"Authorization": f"Bearer {access_token}"} if access_token else {}),
                **({"x-api-key": api_key} if api_key else {}),
            },
            timeout=30.0,
        )

    async def close(self):
        await self.client.aclose()

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc_val, exc_tb):
        await self.close()


async def register_user(client: httpx.AsyncClient, email: str, username: str, password: str) -> dict[str, Any]:
    response = await client.post("/v1/auth/register", json={"email": email, "username": username, "password": password})
    response.raise_for_status()
    return response.json()


async def login(client: httpx.AsyncClient, email: str, password: str) -> dict[str, Any]:
    response = await client.post("/v1/auth/login", json={"email": email, "password": password})
    response.raise_for_status()
    return response.json()


async def refresh_token(client: httpx.AsyncClient, refresh_token: str) -> dict[str, Any]:
    response = await client.post("/v1/auth/refresh", json={"refresh_token": refresh_token})
    response.raise_for_status()
    return response.json()


async def create_api_key(client: MemoryMeshClient, name: str, expires_days: int | None = None) -> dict[str, Any]:
    response = await client.client.post("/v1/auth/api-keys", json={"name": name, "expires_days": expires_days})
    response.raise_for_status()
    return response.json()


async def store_message(client: MemoryMeshClient, tenant_id: str, conversation_id: str, role: str, content: str,
                        importance: float | None = None, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.client.post("/v1/messages", json={
        "tenant_id": tenant_id, "conversation_id": conversation_id, "role": role, "content": content,
        "importance": importance, "metadata": metadata})
    response.raise_for_status()
    return response.json()


async def batch_create_messages(client: MemoryMeshClient, messages: list[dict[str, Any]]) -> dict[str, Any]:
    response = await client.client.post("/v1/messages/batch", json={"messages": messages})
    response.raise_for_status()
    return response.json()


async def search_messages(client: MemoryMeshClient, tenant_id: str, query: str, top_k: int = 5,
                          conversation_id: str | None = None, min_importance: float | None = None
                          ) -> list[dict[str, Any]]:
    params = {"tenant_id": tenant_id, "query": query, "top_k": top_k}
    if conversation_id:
        params["conversation_id"] = conversation_id
    if min_importance:
        params["min_importance"] = min_importance
    response = await client.client.get("/v1/memory/search", params=params)
    response.raise_for_status()
    return response.json()["results"]


async def create_conversation(client: MemoryMeshClient, tenant_id: str, conversation_id: str,
                              title: str | None = None, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.client.post("/v1/conversations", json={
        "tenant_id": tenant_id, "conversation_id": conversation_id, "title": title, "metadata": metadata})
    response.raise_for_status()
    return response.json()


async def get_conversation(client: MemoryMeshClient, conversation_id: str) -> dict[str, Any]:
    response = await client.client.get(f"/v1/conversations/{conversation_id}")
    response.raise_for_status()
    return response.json()


async def list_conversations(client: MemoryMeshClient, tenant_id: str, limit: int = 20, offset: int = 0
                             ) -> dict[str, Any]:
    response = await client.client.get("/v1/conversations", params={"tenant_id": tenant_id, "limit": limit,
                                                                    "offset": offset})
    response.raise_for_status()
    return response.json()


class CocoroDock:
    """CocoroDock's three calls (GetMemoryListAsync, GetMemoryStatsAsync, DeleteUserMemoriesAsync)."""

    def __init__(self, base_url: str, api_key: str):
        self.client = httpx.AsyncClient(base_url=base_url, headers={"X-API-Key": api_key}, timeout=30.0)

    async def get_memory_list(self) -> dict[str, Any]:
        r = await self.client.get("/api/memory/characters")
        r.raise_for_status()
        return r.json()

    async def get_memory_stats(self, memory_id: str) -> dict[str, Any]:
        r = await self.client.get(f"/api/memory/character/{memory_id}/stats")
        r.raise_for_status()
        return r.json()

    async def delete_user_memories(self, memory_id: str) -> dict[str, Any]:
        r = await self.client.delete(f"/api/memory/character/{memory_id}/all")
        r.raise_for_status()
        return r.json()

    async def close(self):
        await self.client.aclose()


async def call_tool(client: httpx.AsyncClient, name: str, **params: Any) -> httpx.Response:
    """Memory Tools (seed 003): what an LLM's tool call becomes."""
    return await client.post(f"/v1/tools/{name}", json=params)


class SecureEmotionMemClient:
    """Seed 000's secure client (security section): signs each request; encryption and its own JWT trimmed."""

    def __init__(self, base_url: str = "http://localhost:8000", api_key: str | None = None):
        self.base_url = base_url
        self.api_key = api_key

    def _generate_request_signature(self, method: str, endpoint: str, payload: str, timestamp: str) -> str:
        """リクエスト署名生成"""
        if not self.api_key:
            return ""
        message = f"{method.upper()}|{endpoint}|{payload}|{timestamp}"
        signature = hmac.new(
            self.api_key.encode(),
            message.encode(),
            hashlib.sha256
        ).hexdigest()
        return signature

    async def save_memory_secure(self, user_message: str, ai_message: str, user_id: str,
                                 session_id: str | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "user_message": user_message,
            "ai_message": ai_message,
            "user_id": user_id,
            "metadata": {"encrypted": False, "sanitized": True, "client_version": "secure_1.0"},
        }
        if session_id:
            payload["session_id"] = session_id
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "SecureEmotionMemClient/1.0",
            "X-Request-ID": secrets.token_hex(16),
            "X-Timestamp": str(int(time.time())),
        }
        if self.api_key:
            headers["X-API-Key"] = self.api_key
            payload_str = json.dumps(payload, sort_keys=True)
            headers["X-Signature"] = self._generate_request_signature("POST", "/save", payload_str,
                                                                      headers["X-Timestamp"])
        async with httpx.AsyncClient(timeout=30.0) as client:
            response = await client.post(f"{self.base_url}/save", json=payload, headers=headers)
            response.raise_for_status()
            return response.json()

    async def search_memories_secure(self, query: str, user_id: str, top_k: int = 5) -> dict[str, Any]:
        payload = {"query": query, "user_id": user_id, "top_k": top_k}
        headers = {
            "Content-Type": "application/json",
            "X-Request-ID": secrets.token_hex(16),
            "X-Timestamp": str(int(time.time())),
        }
        if self.api_key:
            headers["X-API-Key"] = self.api_key
            payload_str = json.dumps(payload, sort_keys=True)
            headers["X-Signature"] = self._generate_request_signature("POST", "/search", payload_str,
                                                                      headers["X-Timestamp"])
        async with httpx.AsyncClient(timeout=30.0) as client:
            response = await client.post(f"{self.base_url}/search", json=payload, headers=headers)
            response.raise_for_status()
            return response.json()
