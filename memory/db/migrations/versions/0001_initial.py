"""The first schema: what Omoide 0.1 built with create_all, on SQLite and PostgreSQL.

The engine's tables, the bot's (API keys, Memory Mesh users and tokens, tenant owners and grants,
conversations, audit log, Discord preferences, Resonant), and each dialect's lexical index.

SQLite keeps its FTS5 tables (`memory_fts`, rowid = memories.label, and its vocabulary). PostgreSQL gets
pgvector's `vector` for `memories.embedding` without a fixed dimension (the store creates one HNSW index
per dimension at run time), `memory_label_seq` to hand out labels to many writing processes, and
`memory_lexical`, the twin of memory_fts: a tsvector per label with a GIN index (scope comes from
joining memories on label). Written out here rather than built from the models, so it never changes.

Revision ID: 0001
Revises:
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import VECTOR

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

EMBEDDING = sa.LargeBinary().with_variant(VECTOR(), "postgresql")

SQLITE_LEXICAL = (
    "CREATE VIRTUAL TABLE memory_fts USING fts5(terms, scope, tokenize='unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE memory_fts_vocab USING fts5vocab(memory_fts, 'row')",
)
POSTGRES_EXTRAS = (
    "CREATE SEQUENCE memory_label_seq AS BIGINT START WITH 1",
    "CREATE TABLE memory_lexical (label BIGINT PRIMARY KEY, terms TSVECTOR NOT NULL)",
    "CREATE INDEX ix_memory_lexical_terms ON memory_lexical USING GIN (terms)",
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    _memory_tables()
    _api_tables()
    _prefs_tables()
    _resonant_tables()
    for statement in POSTGRES_EXTRAS if postgres else SQLITE_LEXICAL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE memory_lexical")
        op.execute("DROP SEQUENCE memory_label_seq")
    else:
        op.execute("DROP TABLE memory_fts_vocab")
        op.execute("DROP TABLE memory_fts")
    for table in ("resonant_resonances", "resonant_choice_points", "resonant_breathing_cycles",
                  "resonant_agent_contexts", "resonant_snapshots", "resonant_queries", "resonant_intents",
                  "resonant_sessions", "bot_user_prefs", "bot_guild_prefs", "bot_channel_prefs", "api_users",
                  "api_token_families", "api_tenant_owners", "api_tenant_grants", "api_refresh_tokens",
                  "api_keys", "api_conversations", "api_audit", "memory_history", "memories", "engine_meta",
                  "cubes"):
        op.drop_table(table)


def _memory_tables() -> None:
    op.create_table("cubes",
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("cube", sa.String(length=256), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant", "cube")
    )
    op.create_table("engine_meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key")
    )
    op.create_table("memories",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("label", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("cube", sa.String(length=256), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=True),
        sa.Column("session_id", sa.String(length=256), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("user_message", sa.Text(), nullable=True),
        sa.Column("ai_message", sa.Text(), nullable=True),
        sa.Column("content_type", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("importance", sa.Float(), nullable=False),
        sa.Column("emotions", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_accessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("access_count", sa.Integer(), nullable=False),
        sa.Column("reinforce_count", sa.Integer(), nullable=False),
        sa.Column("embedding", EMBEDDING, nullable=False),
        sa.Column("embedding_model", sa.String(length=256), nullable=False),
        sa.Column("embedding_dim", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_memories_cube_created", "memories", ["tenant", "cube", "created_at"])
    op.create_index("ix_memories_expires", "memories", ["expires_at"])
    op.create_index("ix_memories_label", "memories", ["label"], unique=True)
    op.create_index("ix_memories_scope", "memories", ["tenant", "cube", "user_id", "created_at"])
    op.create_index("ix_memories_scope_labels", "memories",
                    ["tenant", "cube", "user_id", "kind", "expires_at", "label"])
    op.create_index("ix_memories_session", "memories", ["session_id"])
    op.create_index("ix_memories_user", "memories", ["user_id"])
    op.create_table("memory_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("memory_id", sa.String(length=36), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=False),
        sa.Column("cube", sa.String(length=256), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_history_memory", "memory_history", ["memory_id", "at"])


def _api_tables() -> None:
    op.create_table("api_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("tenant", sa.String(length=128), nullable=True),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_api_audit_at", "api_audit", ["at"])
    op.create_table("api_conversations",
        sa.Column("tenant_id", sa.String(length=128), nullable=False),
        sa.Column("conversation_id", sa.String(length=256), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "conversation_id")
    )
    op.create_table("api_keys",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("admin", sa.Boolean(), nullable=False),
        sa.Column("read_only", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("require_signature", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("tenants", sa.JSON(), nullable=True),
        sa.Column("personas", sa.JSON(), nullable=True),
        sa.Column("owner_user_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash")
    )
    op.create_table("api_refresh_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("jti")
    )
    op.create_table("api_tenant_grants",
        sa.Column("tenant_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("granted_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "user_id")
    )
    op.create_index("ix_api_tenant_grants_user", "api_tenant_grants", ["user_id"])
    op.create_table("api_tenant_owners",
        sa.Column("tenant_id", sa.String(length=128), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("owner_user_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id")
    )
    op.create_index("ix_api_tenant_owners_user", "api_tenant_owners", ["owner_user_id"])
    op.create_table("api_token_families",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_why", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_api_token_families_user", "api_token_families", ["user_id"])
    op.create_table("api_users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("username")
    )


def _prefs_tables() -> None:
    op.create_table("bot_channel_prefs",
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("persona", sa.String(length=32), nullable=True),
        sa.Column("learning", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel_id")
    )
    op.create_index("ix_bot_channel_prefs_guild_id", "bot_channel_prefs", ["guild_id"])
    op.create_table("bot_guild_prefs",
        sa.Column("guild_id", sa.BigInteger(), nullable=False),
        sa.Column("persona", sa.String(length=32), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("guild_id")
    )
    op.create_table("bot_user_prefs",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id")
    )


def _resonant_tables() -> None:
    op.create_table("resonant_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_active", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_resonant_sessions_user", "resonant_sessions", ["user_id", "started_at"])
    op.create_table("resonant_intents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("parent_intent_id", sa.String(length=36), nullable=True),
        sa.Column("intent_text", sa.Text(), nullable=False),
        sa.Column("intent_type", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["parent_intent_id"], ["resonant_intents.id"], ),
        sa.ForeignKeyConstraint(["session_id"], ["resonant_sessions.id"], ),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_resonant_intents_session_id", "resonant_intents", ["session_id"])
    op.create_table("resonant_queries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("execution_time_ms", sa.Integer(), nullable=False),
        sa.Column("results_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["resonant_sessions.id"], ),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_resonant_queries_session_id", "resonant_queries", ["session_id"])
    op.create_table("resonant_snapshots",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("snapshot_type", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("snapshot_data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["resonant_sessions.id"], ),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_resonant_snapshots_session_id", "resonant_snapshots", ["session_id"])
    op.create_table("resonant_agent_contexts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("intent_id", sa.String(length=36), nullable=True),
        sa.Column("agent_type", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("context_data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_by", sa.String(length=36), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["intent_id"], ["resonant_intents.id"], ),
        sa.ForeignKeyConstraint(["session_id"], ["resonant_sessions.id"], ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "agent_type", "version", name="uq_resonant_context_version")
    )
    op.create_index("ix_resonant_agent_contexts_session_id", "resonant_agent_contexts", ["session_id"])
    op.create_table("resonant_breathing_cycles",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("intent_id", sa.String(length=36), nullable=True),
        sa.Column("phase", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("phase_data", sa.JSON(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["intent_id"], ["resonant_intents.id"], ),
        sa.ForeignKeyConstraint(["session_id"], ["resonant_sessions.id"], ),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_resonant_breathing_cycles_session_id", "resonant_breathing_cycles", ["session_id"])
    op.create_table("resonant_choice_points",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("intent_id", sa.String(length=36), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("selected_choice_id", sa.String(length=256), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_rationale", sa.Text(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["intent_id"], ["resonant_intents.id"], ),
        sa.ForeignKeyConstraint(["session_id"], ["resonant_sessions.id"], ),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_resonant_choice_points_session_id", "resonant_choice_points", ["session_id"])
    op.create_table("resonant_resonances",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("intent_id", sa.String(length=36), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("intensity", sa.Float(), nullable=False),
        sa.Column("agents", sa.JSON(), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("pattern_type", sa.String(length=128), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["intent_id"], ["resonant_intents.id"], ),
        sa.ForeignKeyConstraint(["session_id"], ["resonant_sessions.id"], ),
        sa.PrimaryKeyConstraint("id")
    )
    op.create_index("ix_resonant_resonances_session_id", "resonant_resonances", ["session_id"])
