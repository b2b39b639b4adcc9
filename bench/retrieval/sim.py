"""An in-process copy of the engine's default retrieval, for measuring ranking and indexing ideas quickly.

Why: the ideas of issue 15 (a context window on both sides of a turn, session-level vectors, BM25 over
fields, per-query score normalisation, a learned fusion) each need a different index or ranking; putting
each into the engine first would cost a re-ingest per idea and a change to both stores. Here a turn's
texts are built with the engine's own rules (memory.turn_text), embedded once and cached on disk by
text (`VECTOR_CACHE`), and ranked like `engine.search`'s defaults: dense top 15 + BM25 top 15, score
fusion (calibrated similarity + 0.2 / lexical rank), importance 0.1 (constant here), diversity 0.1 over
the best 20. `python -m bench.retrieval.variants` checks this copy against the engine's default row of
the same run before it measures anything.
"""

from __future__ import annotations

import hashlib
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.retrieval.data import Conversation, Turn
from memory.embedding.base import Embedder
from memory.index.postings import K1, MAX_TERMS, B, pieces
from memory.ranking import candidates, diversify, diversity_pool
from memory.search import calibrate
from memory.text.tokenize import index_document, query_terms
from memory.turn_text import labelled_turn, same_words, with_context

VECTOR_CACHE = Path("/tmp/omoide-bench-vectors.sqlite")
CONTEXT_CHARS = 600
TOP_K = 10


class VectorCache:
    """Vectors by (model, prefixed text) in a SQLite file, so variants that only rank differently never
    re-embed and a variant with new texts embeds only those."""

    def __init__(self, embedder: Embedder, path: Path = VECTOR_CACHE) -> None:
        self.embedder = embedder
        self.db = sqlite3.connect(path, timeout=120)
        self.db.execute("CREATE TABLE IF NOT EXISTS v (k TEXT PRIMARY KEY, vec BLOB)")

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.embedder.model_id}\0{text}".encode()).hexdigest()

    def encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        full = [prefix + t for t in texts]
        keys = [self._key(t) for t in full]
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            q = f"SELECT k, vec FROM v WHERE k IN ({','.join('?' * len(chunk))})"
            found.update((k, np.frombuffer(b, np.float32)) for k, b in self.db.execute(q, chunk))
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        if missing:
            text_of = dict(zip(keys, full, strict=True))
            print(f"  embedding {len(missing)} new texts", file=sys.stderr, flush=True)
            for start in range(0, len(missing), 64):
                chunk = missing[start:start + 64]
                vecs = self.embedder.encode([text_of[k] for k in chunk])
                rows = [(k, np.asarray(v, np.float32).tobytes()) for k, v in zip(chunk, vecs, strict=True)]
                self.db.executemany("INSERT OR REPLACE INTO v VALUES (?, ?)", rows)
                self.db.commit()
                found.update((k, np.frombuffer(b, np.float32)) for k, b in rows)
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, self.embedder.dim), np.float32)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts, self.embedder.passage_prefix)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts, self.embedder.query_prefix)


@dataclass(slots=True)
class Memory:
    """One stored turn (or several merged near-duplicates) and the texts around it in its session."""

    turns: list[Turn]
    speaker: str
    words: str  # the turn's own words (user message and reply), no name
    own: str  # "<speaker>: <words>": what the lexical index holds
    embed: str  # what the engine embeds: the previous turn, then `own`
    session: str
    position: int  # index within the session
    previous: str = ""  # the previous turn's `own` text, "" for a session's first turn


@dataclass(slots=True)
class Scope:
    """One conversation (a cube): its memories, their vectors, and per-session order."""

    conversation: Conversation
    memories: list[Memory]
    vectors: np.ndarray  # the engine's one vector per memory
    sessions: dict[str, list[int]] = field(default_factory=dict)  # session -> memory indexes in order


def build_scope(conv: Conversation, cache: VectorCache, dedup_threshold: float = 0.985) -> Scope:
    """The engine's default turn texts for a conversation (speaker names, the previous turn of the session),
    near-duplicates merged as the engine merges them (same user, same words, cosine >= the threshold)."""
    drafts: list[Memory] = []
    last: dict[str, str] = {}
    order: dict[str, int] = {}
    for t in conv.turns:
        own = labelled_turn(t.text, t.reply, t.speaker)
        previous = last.get(t.session, "")
        embed = with_context(own, [previous] if previous else [], CONTEXT_CHARS)
        words = labelled_turn(t.text, t.reply, None)
        pos = order.get(t.session, 0)
        order[t.session] = pos + 1
        drafts.append(Memory([t], t.speaker, words, own, embed, t.session, pos, previous))
        last[t.session] = own
    vecs = cache.passages([d.embed for d in drafts])
    kept: list[Memory] = []
    kept_vecs: list[np.ndarray] = []
    for d, v in zip(drafts, vecs, strict=True):
        twin = next((i for i, m in enumerate(kept) if m.speaker == d.speaker
                     and same_words(m.turns[0].text, m.turns[0].reply, d.turns[0].text, d.turns[0].reply)
                     and float(kept_vecs[i] @ v) >= dedup_threshold), None)
        if twin is not None:
            kept[twin].turns.extend(d.turns)
            continue
        kept.append(d)
        kept_vecs.append(v)
    sessions: dict[str, list[int]] = {}
    for i, m in enumerate(kept):
        sessions.setdefault(m.session, []).append(i)
    return Scope(conv, kept, np.stack(kept_vecs), sessions)


class BM25:
    """The engine's BM25 (memory.index.postings: k1 1.2, b 0.75, FTS5's idf, the 8 most selective query
    terms) over any list of documents, returning every document's score (fusion variants need them)."""

    def __init__(self, docs: Sequence[str]) -> None:
        self.terms = [pieces(index_document(d)) for d in docs]
        self.n = len(docs)
        self.lengths = np.array([len(t) for t in self.terms], np.float32)
        self.avgdl = float(self.lengths.mean()) if self.n else 1.0
        self.postings: dict[str, dict[int, int]] = {}
        for i, ts in enumerate(self.terms):
            for term in ts:
                row = self.postings.setdefault(term, {})
                row[i] = row.get(i, 0) + 1

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(self.n)
        tids = {p for t in query_terms(query) for p in pieces(t) if p in self.postings}
        chosen = sorted(tids, key=lambda t: len(self.postings[t]))[:MAX_TERMS]
        for term in chosen:
            docs = self.postings[term]
            df = len(docs)
            idf = float(np.log((self.n - df + 0.5) / (df + 0.5)))
            idf = idf if idf > 0 else 1e-6
            idx = np.fromiter(docs.keys(), np.int64, df)
            tf = np.fromiter(docs.values(), np.float64, df)
            out[idx] += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * self.lengths[idx] / self.avgdl))
        return out


def top_lexical(scores: np.ndarray, n: int) -> list[int]:
    """Top-n documents with a positive score, ties to the older (lower index), as the postings do."""
    hit = np.flatnonzero(scores > 0)
    order = np.lexsort((hit, -scores[hit]))
    return [int(x) for x in hit[order][:n]]


def rank(scope: Scope, relevance: np.ndarray, cand: Sequence[int], model_id: str, diversity: float = 0.1,
         importance_weight: float = 0.1) -> list[int]:
    """Candidates (memory indexes) ordered as memory.hits does: relevance (a full-length array) plus a
    constant importance, then diversity over the best 20 with the memories' own vectors."""
    idx = np.asarray(sorted(cand), np.int64)
    score = (1.0 - importance_weight) * relevance[idx] + importance_weight * 0.5
    order = np.argsort(-score, kind="stable")
    if diversity <= 0:
        return [int(x) for x in idx[order[:TOP_K]]]
    pool = order[:diversity_pool(TOP_K)]
    chosen, _ = diversify(score[pool], scope.vectors[idx[pool]], diversity, TOP_K,
                          lambda c: calibrate(c, model_id))
    return [int(idx[pool[i]]) for i in chosen]


def n_candidates() -> int:
    return candidates(TOP_K)
