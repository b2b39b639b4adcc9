"""The process's Prometheus metrics that move as work happens (counters, histograms, gauges).

Module-level, in prometheus_client's default registry (which also carries the process_* metrics):
one set per process, however many apps a test builds. What is read from live objects at scrape time
(index sizes, the database pool, jobs, Discord, livestreams) is in bot.telemetry.collectors.
Label values are bounded: route templates, operation and phase names, error class names, command
names. Never a raw path, a user id or a message.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# latency buckets in seconds: an embedding is ~5-30 ms, a search ~10-60 ms, an LLM call seconds
FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SLOW = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)

HTTP_REQUESTS = Counter("omoide_http_requests", "HTTP requests answered, by route template and status class",
                        ["method", "route", "status"])
HTTP_DURATION = Histogram("omoide_http_request_duration_seconds", "Time to answer an HTTP request",
                          ["method", "route", "status"], buckets=FAST)
HTTP_IN_PROGRESS = Gauge("omoide_http_requests_in_progress", "HTTP requests being answered now")

ENGINE_OPS = Counter("omoide_engine_operations", "Engine operations (save, batch, search) by outcome",
                     ["operation", "outcome"])
ENGINE_ERRORS = Counter("omoide_engine_errors", "Engine operations that raised, by error class",
                        ["operation", "error"])
ENGINE_DURATION = Histogram("omoide_engine_operation_duration_seconds", "Time an engine operation took",
                            ["operation"], buckets=FAST)
ENGINE_PHASE = Histogram("omoide_engine_phase_duration_seconds", "Time a search phase took (lexical, vector, rank)",
                         ["phase"], buckets=FAST)
SEARCH_CANDIDATES = Histogram("omoide_engine_search_candidates", "Candidates a search ranked (dense + lexical)",
                              buckets=(0, 5, 10, 20, 40, 80, 160, 320, 640))
ENGINE_FALLBACKS = Counter("omoide_engine_fallbacks", "Optional stages an operation answered without (rerank), "
                           "by stage and reason (timeout, error)", ["stage", "reason"])
BATCH_ITEMS = Counter("omoide_engine_batch_items", "Items given to save/batch, saved or refused", ["outcome"])

EMBED_DURATION = Histogram("omoide_embedding_duration_seconds",
                           "Time a model call took, waiting for the worker included", ["kind"], buckets=FAST)
EMBED_TEXTS = Counter("omoide_embedding_texts", "Texts embedded", ["kind"])
EMBED_QUEUE = Gauge("omoide_embedding_queue_depth", "Model calls waiting for or running on the embedding worker")

LLM_REQUESTS = Counter("omoide_llm_requests", "Chat-completions calls (retries included), by outcome", ["outcome"])
LLM_DURATION = Histogram("omoide_llm_request_duration_seconds", "Time a chat-completions call took, retries included",
                         buckets=SLOW)
LLM_FALLBACKS = Counter("omoide_llm_fallbacks", "Replies the built-in responder gave because the model failed")

DISCORD_COMMANDS = Counter("omoide_discord_commands", "Discord commands run, by command and outcome",
                           ["command", "outcome"])


def status_class(status: int) -> str:
    return f"{status // 100}xx"
