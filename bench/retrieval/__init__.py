"""Retrieval quality on public long-conversation benchmarks (`python -m bench.retrieval`)."""
