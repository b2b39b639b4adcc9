"""Near-duplicate saves: which items of a batch repeat a stored memory or an earlier item.

A save that is nearly identical (cosine >= DEDUP_THRESHOLD) to a memory in the same scope reinforces
that memory instead of adding a copy. The stored side is looked for before the write transaction
opens (under the writer's lock, so nothing is written in between): most saves find nothing and can
be written without reading any row; only those that do read their twin records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from memory.store.base import MemoryRecord, MemoryStore, StoredRow
from memory.turn_text import same_words
from memory.types import Kind, MemoryFilter, MemoryInput, Tier

if TYPE_CHECKING:
    from memory.new_rows import Pending

ScopeKey = tuple[str, str, str | None, Kind]


def scope_groups(pending: Sequence[Pending]) -> dict[ScopeKey, list[int]]:
    """Positions of the batch grouped by the scope in which duplicates are looked for."""
    groups: dict[ScopeKey, list[int]] = defaultdict(list)
    for pos, p in enumerate(pending):
        groups[(p.item.scope.tenant, p.item.scope.cube, p.item.scope.user_id, p.kind)].append(pos)
    return groups


def same_scope(row: MemoryRecord | StoredRow, item: MemoryInput, kind: Kind) -> bool:
    """Whether a near-identical row may absorb the item: same user and kind, for a turn the same
    words, for working memory the same session."""
    sc = item.scope
    if row.user_id != sc.user_id or row.kind != kind.value:
        return False
    if kind is Kind.TURN and not same_words(row.user_message, row.ai_message, item.user_message, item.ai_message):
        return False
    working = Tier.WORKING.value in (row.tier, Tier(item.tier).value)
    return not working or row.session_id == sc.session_id


def batch_near(pending: Sequence[Pending], threshold: float) -> dict[int, list[int]]:
    """For each item, the earlier items of the batch in its scope that it nearly duplicates
    (one similarity matrix per scope, not a Python loop over pairs)."""
    out: dict[int, list[int]] = {}
    for positions in scope_groups(pending).values():
        if len(positions) < 2:
            continue
        q = np.vstack([pending[pos].vector for pos in positions])  # type: ignore[misc]  # all embedded by now
        sims = np.tril(q @ q.T, k=-1)
        for j, i in zip(*np.nonzero(sims >= threshold), strict=True):
            out.setdefault(positions[j], []).append(positions[i])
    return out


async def _may_repeat(store: MemoryStore, pending: Sequence[Pending]) -> set[int]:
    """Positions of the batch's turns whose words some stored turn of the same cube and user says: the
    only turns a stored memory may absorb (same_scope), found with one indexed query per cube."""
    keys = {pos: p.words_key for pos, p in enumerate(pending) if p.words_key is not None}
    by_cube: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pos in keys:
        by_cube[(pending[pos].item.scope.tenant, pending[pos].item.scope.cube)].append(pos)
    out: set[int] = set()
    for (tenant, cube), positions in by_cube.items():
        stored = await store.turn_words(tenant, cube, [keys[pos] for pos in positions])
        out.update(pos for pos in positions if (pending[pos].item.scope.user_id, keys[pos]) in stored)
    return out


async def stored_near(store: MemoryStore, pending: Sequence[Pending], now: datetime, threshold: float
                      ) -> dict[int, list[int]]:
    """Labels of stored memories each item nearly duplicates, one search per scope. A turn whose words no
    stored turn of its user says is not searched for: no near neighbour of it could absorb it."""
    near: dict[int, list[int]] = {}
    may_repeat = await _may_repeat(store, pending)
    for (tenant, cube, user_id, kind), in_scope in scope_groups(pending).items():
        positions = [pos for pos in in_scope if pos in may_repeat] if kind is Kind.TURN else in_scope
        if not positions:
            continue
        f = MemoryFilter(tenant=tenant, cube=cube, user_id=user_id, kind=kind)
        queries = np.vstack([pending[pos].vector for pos in positions])  # type: ignore[misc]  # all embedded by now
        for pos, hits in zip(positions, await store.nearest(f, queries, 4, now), strict=True):
            labels = [label for label, cos in hits if cos >= threshold]
            if labels:
                near[pos] = labels
    return near


async def twin_rows(store: MemoryStore, pending: Sequence[Pending], near: dict[int, list[int]], now: datetime
                    ) -> dict[int, MemoryRecord]:
    """The stored record each item will reinforce (the nearest that may absorb it)."""
    if not near:
        return {}
    wanted = sorted({label for labels in near.values() for label in labels})
    by_label = {r.label: r for r in await store.rows(wanted, MemoryFilter(), now)}
    records: dict[str, MemoryRecord] = {}
    out: dict[int, MemoryRecord] = {}
    for pos, labels in near.items():
        p = pending[pos]
        twin = next((by_label[x] for x in labels if x in by_label and same_scope(by_label[x], p.item, p.kind)), None)
        if twin is not None:
            if twin.id not in records and (found := await store.get(twin.id)) is not None:
                records[twin.id] = found
            if twin.id in records:
                out[pos] = records[twin.id]
    return out
