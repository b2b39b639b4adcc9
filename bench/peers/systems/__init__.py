"""The systems of the side-by-side benchmark, each behind the small `Store` interface of `base`.

Which virtualenv runs each: Omoide and the floors (hnswlib, numpy) run in the main venv; the peers in
the peers venv (`make bench-peers` builds it from the `peers` extra).
"""

from __future__ import annotations

# name -> (module under bench.peers.systems, venv: "main" or "peers", column title)
SYSTEMS: dict[str, tuple[str, str, str]] = {
    "omoide": ("omoide", "main", "Omoide"),
    "omoide-vectors": ("omoide", "main", "Omoide, given vectors"),
    "chromadb": ("chroma", "peers", "chromadb"),
    "mem0": ("mem0_store", "peers", "mem0 (qdrant local)"),
    "sqlite-vec": ("sqlitevec", "peers", "sqlite-vec"),
    "lancedb": ("lance", "peers", "LanceDB"),
    "hnswlib": ("floors", "main", "hnswlib (floor)"),
    "numpy": ("floors", "main", "numpy (floor)"),
}
MAIN_ONLY = [name for name, (_, venv, _) in SYSTEMS.items() if venv == "main"]
