"""Export and import a user's memories as JSONL: what `mydata` sends and what a migration reads.

Each line is one memory with every field, plus its vector (base64 float32) and the model that made
it. An import keeps ids, dates, emotions and summaries; it reuses vectors made by the same model and
re-embeds the rest, so a file moves between installs with different models.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterable
from datetime import datetime

import numpy as np

from memory.db.rows import row_to_memory
from memory.engine import MemoryEngine
from memory.errors import ValidationError
from memory.serialize import memory_to_dict
from memory.types import BatchFailure, BatchResult, Emotion, MemoryFilter, MemoryInput, SaveResult, Scope

EXPORT_VERSION = 1
PAGE = 500


async def export_user(engine: MemoryEngine, user_id: str, *, tenant: str | None = None,
                      with_vectors: bool = True) -> AsyncIterator[str]:
    """Yield one JSON line per memory of the user (oldest first), across every cube."""
    async for line in _export(engine, user_id, tenant, with_vectors):
        yield line


async def export_tenant(engine: MemoryEngine, tenant: str, *, with_vectors: bool = True) -> AsyncIterator[str]:
    """Yield one JSON line per memory of the tenant (oldest first), across every cube and user."""
    async for line in _export(engine, None, tenant, with_vectors):
        yield line


async def _export(engine: MemoryEngine, user_id: str | None, tenant: str | None,
                  with_vectors: bool) -> AsyncIterator[str]:
    last = 0
    while True:
        scope = MemoryFilter(tenant=tenant, user_id=user_id)
        rows = await engine.storage.records(after_label=last, limit=PAGE, f=scope, now=engine.clock.now(),
                                            with_vectors=with_vectors)
        if not rows:
            return
        for row in rows:
            doc = {"format": "omoide.memory", "version": EXPORT_VERSION, **memory_to_dict(row_to_memory(row))}
            if with_vectors:
                doc["embedding_model"] = row.embedding_model
                doc["embedding"] = base64.b64encode(row.embedding or b"").decode()
            yield json.dumps(doc, ensure_ascii=False)
        last = rows[-1].label


def _parse_line(line: str, model_id: str) -> MemoryInput:
    try:
        doc = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"not JSON: {exc.msg} at column {exc.colno}", field="line") from None
    if not isinstance(doc, dict) or doc.get("format") != "omoide.memory":
        raise ValidationError("not an Omoide memory line (format must be 'omoide.memory')", field="format")
    vec = None
    if doc.get("embedding") and doc.get("embedding_model") == model_id:
        vec = np.frombuffer(base64.b64decode(doc["embedding"]), dtype=np.float32)
    try:
        created = datetime.fromisoformat(doc["created_at"]) if doc.get("created_at") else None
        emotions = [Emotion(e["label"], float(e["score"])) for e in doc.get("emotions") or []]
    except (TypeError, ValueError, KeyError) as exc:
        raise ValidationError(f"bad created_at or emotions: {exc}", field="created_at") from None
    turn = doc.get("kind") == "turn"
    return MemoryInput(
        scope=Scope(tenant=doc.get("tenant") or "default", cube=doc.get("cube") or "default",
                    user_id=doc.get("user_id"), session_id=doc.get("session_id")),
        content=doc.get("content"), user_message=doc.get("user_message") if turn else None,
        ai_message=doc.get("ai_message") if turn else None, content_type=doc.get("content_type", "text"),
        tier=doc.get("tier", "long_term"), tags=doc.get("tags") or [], metadata=doc.get("metadata") or {},
        importance=doc.get("importance"), emotions=emotions, summary=doc.get("summary"), created_at=created,
        embedding=vec, memory_id=doc.get("id"), actor="import")


async def import_jsonl(engine: MemoryEngine, lines: Iterable[str], *, batch: int = 256,
                       user_id: str | None = None) -> BatchResult:
    """Import lines; a bad line is reported by its 0-based line number and the rest are imported.

    With `user_id`, every memory is attributed to that user (moving data between accounts).
    """
    saved: list[SaveResult] = []
    failed: list[BatchFailure] = []
    items: list[tuple[int, MemoryInput]] = []

    async def flush() -> None:
        res = await engine.save_batch([it for _, it in items])
        saved.extend(res.saved)
        failed.extend(BatchFailure(items[f.index][0], f.error, f.error_type, f.field) for f in res.failed)
        items.clear()

    for n, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            item = _parse_line(line, engine.embeddings.model_id)
        except ValidationError as exc:
            failed.append(BatchFailure(n, exc.message, exc.error_type, exc.field))
            continue
        if user_id is not None:
            item.scope = Scope(item.scope.tenant, item.scope.cube, user_id, item.scope.session_id)
        items.append((n, item))
        if len(items) >= batch:
            await flush()
    if items:
        await flush()
    return BatchResult(saved, failed)
