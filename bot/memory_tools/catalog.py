"""The six tools by name: parameters, result, whether they write, and the description a model reads.

`function_definitions()` is the OpenAI function-calling form (the chat's LLM and `GET /v1/tools`); the
MCP server lists the same names, descriptions and schemas.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from bot.memory_tools.models import (
    DeleteParams,
    DeleteResult,
    GetParams,
    GetResult,
    ListParams,
    ListResult,
    SearchParams,
    SearchResult,
    StoreParams,
    StoreResult,
    UpdateParams,
    UpdateResult,
)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    params: type[BaseModel]
    result: type[BaseModel]
    writes: bool
    description: str

    def input_schema(self) -> dict[str, Any]:
        """The parameters as plain JSON schema: no titles, optional = absent (not `null`), no extra keys."""
        schema: dict[str, Any] = _clean(copy.deepcopy(self.params.model_json_schema()))
        schema.pop("description", None)
        schema["additionalProperties"] = False
        return schema


STORE = """Save something worth remembering about the user or the task, so a later conversation can recall it.
Store durable facts the user tells you (preferences, names, plans, relationships, what happened to them),
one fact per call, written as a self-contained sentence in the user's language: 「ユーザーの猫の名前はモチ」,
"User prefers dark mode". Do not store greetings, small talk or what you can look up again. Saying the same
thing twice reinforces the existing memory instead of adding a copy. Tiers: long_term (default) for lasting
facts, short_term for things that stop mattering (with ttl_seconds), working for notes during one task."""

SEARCH = """Recall memories by meaning (hybrid semantic + keyword search, Japanese and English alike).
Search before answering whenever the user refers to themselves, the past or something they told you before
(「前に話した映画」, "what's my cat called?"), and before storing, to update an existing memory rather than
add a near-duplicate. Phrase the query as the thing you want to know (「好きな食べ物」, "user's pets"), not as a
question to the user. `similarity` is 0..1: 0.5 and up is probably related, 0.8 and up a paraphrase; rank by
it rather than trusting a hard threshold. Only memories of your own scope (this key's tenant, persona and
user) are ever searched."""

GET = """Fetch one memory by its id (from a search or list result): full content, tags, metadata, tier and
timestamps. Use it to read a memory before updating it; an id outside your scope is reported as not found."""

UPDATE = """Correct or extend a memory you found: new content (re-embedded), a new tag list (replaces the old
one), metadata to merge, or a new tier (e.g. promote short_term to long_term). Prefer this to storing a
second, contradicting memory: when the user says 「引っ越して今は大阪に住んでいる」, update the memory that says
they live in Tokyo."""

DELETE = """Delete memories: one `id`, several `ids`, every memory of a `memory_tier`, or those created before
`older_than` (give at least one). Delete when the user asks you to forget something (「それは忘れて」) or a
memory is plainly wrong; deletion cannot be undone."""

LIST = """List memories newest first, with filters (tier, tags, content type, creation dates) and pagination
(`limit`, `offset`, `total`). Use it to review what you remember (「私について何を覚えてる？」) or to browse a
tag; use memory_search to find something by meaning."""

TOOLS: dict[str, ToolSpec] = {spec.name: spec for spec in (
    ToolSpec("memory_store", StoreParams, StoreResult, True, STORE),
    ToolSpec("memory_search", SearchParams, SearchResult, False, SEARCH),
    ToolSpec("memory_get", GetParams, GetResult, False, GET),
    ToolSpec("memory_update", UpdateParams, UpdateResult, True, UPDATE),
    ToolSpec("memory_delete", DeleteParams, DeleteResult, True, DELETE),
    ToolSpec("memory_list", ListParams, ListResult, False, LIST),
)}
READ_TOOLS = tuple(name for name, spec in TOOLS.items() if not spec.writes)


def _clean(schema: Any) -> Any:
    """A JSON schema as function-calling APIs want it: no titles, no null branches for optional fields."""
    if isinstance(schema, list):
        return [_clean(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _clean(v) for k, v in schema.items() if k != "title"}
    options = out.get("anyOf")
    if isinstance(options, list):
        rest = [o for o in options if o != {"type": "null"}]
        if len(rest) == 1:
            out.pop("anyOf")
            out = {**rest[0], **out}
    if out.get("default", 0) is None:
        out.pop("default")
    return out


def function_definitions(*, writes: bool = True) -> list[dict[str, Any]]:
    """The OpenAI `tools` array; `writes=False` leaves out store, update and delete."""
    return [{"type": "function", "function": {"name": s.name, "description": s.description,
                                              "parameters": s.input_schema()}}
            for s in TOOLS.values() if writes or not s.writes]
