# Omoide: the bot process (Discord client + side API) with the packaged offline embedding model.
# One image for every run mode: `python -m bot` (all), `api [--workers N]`, `discord [--shard-ids ...]`, `jobs`
# (docker-compose.yml runs them on one PostgreSQL). Build with `--build-arg EXTRAS=otel` for OpenTelemetry traces
# (then set OTEL_EXPORTER_OTLP_ENDPOINT).
FROM python:3.11-slim
ARG EXTRAS=

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TOKENIZERS_PARALLELISM=false \
    # hnswlib ships no wheel; its default build uses -march=native and breaks on other CPUs.
    HNSWLIB_NO_NATIVE=1 \
    DATA_DIR=/data \
    API_HOST=0.0.0.0

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential fonts-ipafont-gothic \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY memory ./memory
COPY config ./config
RUN pip install --no-cache-dir ".${EXTRAS:+[$EXTRAS]}" \
    && apt-get purge -y build-essential && apt-get autoremove -y

RUN useradd --create-home --uid 1000 omoide && mkdir -p /data && chown omoide /data
USER omoide
VOLUME ["/data"]
# 8000: the API (or /health/* for the discord and jobs modes); 9100: /metrics without a key when METRICS_PORT=9100
EXPOSE 8000 9100
HEALTHCHECK --interval=30s --timeout=10s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=5)"]
CMD ["python", "-m", "bot"]
