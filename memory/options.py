"""Engine options: the subset of settings the engine needs, so `memory` stands alone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memory.embedding.model_id import DEFAULT_MODEL_ID
from memory.turn_text import TurnTextOptions


@dataclass(frozen=True, slots=True)
class HnswParams:
    m: int = 24
    ef_construction: int = 200
    ef_search: int = 200


@dataclass(frozen=True, slots=True)
class EngineOptions:
    data_dir: Path = Path("./data")
    database_url: str = ""
    sqlite_synchronous: str = "NORMAL"
    embedding_model: str = DEFAULT_MODEL_ID
    embedding_backend: str = "fastembed"
    embedding_threads: int | None = None
    embedding_batch_size: int = 32
    short_term_ttl_seconds: int = 86400
    dedup_threshold: float = 0.985
    default_importance: float = 0.5
    exact_search_max: int = 4096
    hnsw: HnswParams = HnswParams()
    fusion: str = "score"  # memory.ranking: "score" or "rrf"
    lexical_boost: float = 0.2
    diversity: float = 0.1
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    recency_weight: float = 0.0
    importance_weight: float = 0.1
    recency_half_life_days: float = 30.0
    turn_speaker_names: bool = True
    turn_context_turns: int = 1
    turn_context_chars: int = 600

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'omoide.db').as_posix()}"

    @property
    def model_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "indexes"

    @classmethod
    def from_settings(cls, s: Any) -> EngineOptions:
        """Build from config.Settings (duck-typed so the engine does not depend on the bot's config)."""
        return cls(
            data_dir=Path(s.data_dir), database_url=s.database_url or "", sqlite_synchronous=s.sqlite_synchronous,
            embedding_model=s.embedding_model, embedding_backend=s.embedding_backend,
            embedding_threads=s.embedding_threads, embedding_batch_size=s.embedding_batch_size,
            short_term_ttl_seconds=s.short_term_ttl_seconds, dedup_threshold=s.dedup_threshold,
            default_importance=s.default_importance, exact_search_max=s.exact_search_max,
            hnsw=HnswParams(s.hnsw_m, s.hnsw_ef_construction, s.hnsw_ef_search), rrf_k=s.rrf_k,
            fusion=s.fusion, lexical_boost=s.lexical_boost, diversity=s.diversity,
            dense_weight=s.dense_weight, lexical_weight=s.lexical_weight, recency_weight=s.recency_weight,
            importance_weight=s.importance_weight, recency_half_life_days=s.recency_half_life_days,
            turn_speaker_names=s.turn_speaker_names, turn_context_turns=s.turn_context_turns,
            turn_context_chars=s.turn_context_chars,
        )

    @property
    def turn_text(self) -> TurnTextOptions:
        return TurnTextOptions(self.turn_speaker_names, self.turn_context_turns, self.turn_context_chars)
