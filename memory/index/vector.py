"""One HNSW index per cube, persisted beside a sidecar that proves it matches the database.

Rules learnt the hard way: labels are never re-added (hnswlib re-adds are very slow), deletions use
`mark_deleted`, and narrow scopes are searched exactly with numpy instead of hnswlib's slow `filter=`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

import hnswlib
import numpy as np
from fasteners import ReaderWriterLock  # type: ignore[import-untyped]  # fasteners ships no type hints

from memory.index.matrix import VectorMatrix
from memory.options import HnswParams

log = logging.getLogger(__name__)
SIDECAR_VERSION = 1


def _file_digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class CubeIndex:
    """Thread-safe wrapper over one hnswlib index (cosine space, normalised float32 vectors): many
    concurrent searches, exclusive add/delete/resize (a waiting writer goes before readers that come after it)."""

    def __init__(self, dim: int, params: HnswParams, capacity: int = 1024) -> None:
        self.dim = dim
        self.params = params
        self._lock = ReaderWriterLock()
        self._index = hnswlib.Index(space="cosine", dim=dim)
        self._index.init_index(max_elements=max(capacity, 16), ef_construction=params.ef_construction, M=params.m)
        self._index.set_ef(params.ef_search)
        self._index.set_num_threads(1)
        self._alive = 0
        self.matrix: VectorMatrix | None = None  # filled on the first exact search (memory.index.matrix)

    # -- size ---------------------------------------------------------------------------------
    @property
    def alive(self) -> int:
        """Vectors searchable now (added minus deleted)."""
        return self._alive

    @property
    def total(self) -> int:
        """Labels ever stored in this index file, deleted ones included."""
        return self._index.get_current_count()

    def set_alive(self, count: int) -> None:
        """Correct the live count after a catch-up (the sidecar's may lag the database)."""
        self._alive = count

    @property
    def deleted_share(self) -> float:
        return 0.0 if not self.total else 1.0 - self._alive / self.total

    # -- mutation -----------------------------------------------------------------------------
    def add(self, labels: np.ndarray, vectors: np.ndarray) -> None:
        if not len(labels):
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(labels), self.dim)
        with self._lock.write_lock():
            need = self._index.get_current_count() + len(labels)
            if need > self._index.get_max_elements():
                self._index.resize_index(max(need, self._index.get_max_elements() * 2))
            self._index.add_items(vectors, np.asarray(labels, dtype=np.int64), num_threads=1)
            self._alive += len(labels)
            if self.matrix is not None:
                self.matrix.append(np.asarray(labels, dtype=np.int64), vectors)

    def delete(self, labels: Iterable[int]) -> int:
        """Mark labels deleted; labels unknown or already deleted are skipped. Returns how many."""
        labels = [int(x) for x in labels]
        done = 0
        with self._lock.write_lock():
            for label in labels:
                try:
                    self._index.mark_deleted(int(label))
                    done += 1
                except RuntimeError:
                    continue
            self._alive -= done
            if self.matrix is not None:
                self.matrix.remove(np.asarray(labels, np.int64))
        return done

    # -- queries ------------------------------------------------------------------------------
    def knn(self, query: np.ndarray, k: int, allowed: set[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Approximate nearest neighbours as (labels, cosines), best first."""
        k = min(k, self._alive)
        if k <= 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        filt = (lambda label: label in allowed) if allowed is not None else None
        with self._lock.read_lock():
            while k > 0:
                try:
                    labels, dists = self._index.knn_query(query.reshape(1, -1), k=k, filter=filt, num_threads=1)
                    return labels[0].astype(np.int64), (1.0 - dists[0]).astype(np.float32)
                except RuntimeError:  # fewer than k reachable (filtered or many deleted)
                    k //= 2
        return np.empty(0, np.int64), np.empty(0, np.float32)

    def knn_many(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Batched approximate search: (labels, cosines) arrays of shape (n, k'); -1 pads."""
        k = min(k, self._alive)
        n = len(queries)
        if k <= 0 or not n:
            return np.full((n, 0), -1, np.int64), np.zeros((n, 0), np.float32)
        with self._lock.read_lock():
            while k > 0:
                try:
                    labels, dists = self._index.knn_query(np.ascontiguousarray(queries, dtype=np.float32), k=k,
                                                          num_threads=1)
                    return labels.astype(np.int64), (1.0 - dists).astype(np.float32)
                except RuntimeError:
                    k //= 2
        return np.full((n, 0), -1, np.int64), np.zeros((n, 0), np.float32)

    def vectors(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(labels, vectors) for the labels that are live in the index.

        A label can be in the database but not yet here (a search racing a write between its commit
        and its index update), or deleted here; such labels are left out rather than failing the read.
        """
        labels = np.asarray(labels, dtype=np.int64)
        if not len(labels):
            return labels, np.empty((0, self.dim), np.float32)
        with self._lock.read_lock():
            try:
                return labels, np.asarray(self._index.get_items(labels, return_type="numpy"), dtype=np.float32)
            except RuntimeError:
                kept, vecs = [], []
                for label in labels.tolist():
                    try:
                        vecs.append(self._index.get_items([label], return_type="numpy")[0])
                        kept.append(label)
                    except RuntimeError:
                        continue
        if not kept:
            return np.empty(0, np.int64), np.empty((0, self.dim), np.float32)
        return np.asarray(kept, dtype=np.int64), np.asarray(vecs, dtype=np.float32)

    def scope_vectors(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(labels, vectors) for a scope: from the compact matrix when it is filled, else from hnswlib."""
        labels = np.asarray(labels, dtype=np.int64)
        if self.matrix is None:
            return self.vectors(labels)
        labels, vecs, missing = self.matrix.rows(labels)
        if len(missing):  # written while the matrix was being filled: the slow path, rarely
            more, more_vecs = self.vectors(missing)
            labels, vecs = np.concatenate([labels, more]), np.vstack([vecs, more_vecs])
        return labels, vecs

    def exact(self, query: np.ndarray, labels: np.ndarray | None, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Exact cosine over a candidate set (None: every live vector of the matrix, which must be
        filled): faster and exact for narrow scopes and small cubes."""
        if labels is None:
            assert self.matrix is not None
            labels, vecs = self.matrix.alive_rows()
        else:
            labels, vecs = self.scope_vectors(labels)
        if not len(labels):
            return labels, np.empty(0, np.float32)
        sims = vecs @ query.astype(np.float32)
        k = min(k, len(labels))
        # the arrays' own methods: numpy's functions of the same name add ~1 us a call to find them
        top = (-sims).argpartition(k - 1)[:k] if k < len(labels) else np.arange(len(labels))
        top = top[(-sims[top]).argsort(kind="stable")]
        return labels[top], sims[top]

    def all_labels(self) -> set[int]:
        with self._lock.read_lock():
            return set(int(x) for x in self._index.get_ids_list())

    # -- persistence --------------------------------------------------------------------------
    def save(self, path: Path, *, generation: int, model_id: str) -> None:
        """Write index then sidecar, each atomically; the sidecar's digest ties them together."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with self._lock.read_lock():
            self._index.save_index(str(tmp))
            alive, total = self._alive, self.total
        os.replace(tmp, path)
        sidecar = {
            "version": SIDECAR_VERSION, "generation": generation, "model_id": model_id, "dim": self.dim,
            "alive": alive, "total": total, "size": path.stat().st_size, "digest": _file_digest(path),
        }
        side_tmp = path.with_suffix(".json.tmp")
        side_tmp.write_text(json.dumps(sidecar))
        os.replace(side_tmp, sidecar_path(path))

    @classmethod
    def load(cls, path: Path, *, dim: int, model_id: str, params: HnswParams) -> tuple[CubeIndex, int] | None:
        """Load a persisted index and its generation, or None when missing, foreign or corrupt."""
        side = sidecar_path(path)
        if not path.exists() or not side.exists():
            return None
        try:
            meta = json.loads(side.read_text())
            if (meta.get("version") != SIDECAR_VERSION or meta.get("dim") != dim
                    or meta.get("model_id") != model_id or meta.get("size") != path.stat().st_size
                    or meta.get("digest") != _file_digest(path)):
                log.warning("index %s does not match its sidecar; it will be rebuilt", path.name)
                return None
            self = cls.__new__(cls)
            self.dim, self.params, self._lock = dim, params, ReaderWriterLock()
            self._index = hnswlib.Index(space="cosine", dim=dim)
            self._index.load_index(str(path), max_elements=max(int(meta["total"]) * 2, 1024))
            self._index.set_ef(params.ef_search)
            self._index.set_num_threads(1)
            self._alive = int(meta["alive"])
            self.matrix = None
            return self, int(meta["generation"])
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            log.warning("index %s is unreadable (%s); it will be rebuilt", path.name, exc)
            return None


def sidecar_path(path: Path) -> Path:
    return path.with_suffix(".json")
