# Omoide: the bot process (Discord client + side API) with the packaged offline embedding model.
FROM python:3.11-slim

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
RUN pip install --no-cache-dir . \
    && apt-get purge -y build-essential && apt-get autoremove -y

RUN useradd --create-home --uid 1000 omoide && mkdir -p /data && chown omoide /data
USER omoide
VOLUME ["/data"]
EXPOSE 8000
CMD ["python", "-m", "bot"]
