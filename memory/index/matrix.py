"""A compact copy of a cube's vectors for exact search over small scopes.

hnswlib's `get_items` builds a Python float per component (1,000 vectors: ~20 ms), far too slow for
the exact search of a user's few thousand memories. This keeps the vectors as float16 rows sorted by
label (100k x 384 = 77 MB), filled lazily from the database the first time a cube needs an exact search
and appended to as memories are added. float16 moves a cosine by about 1e-3: fine for ranking and for
the duplicate threshold.
"""

from __future__ import annotations

import threading

import numpy as np


class VectorMatrix:
    def __init__(self, labels: np.ndarray, vectors: np.ndarray) -> None:
        order = np.argsort(labels, kind="stable")
        n = len(labels)
        cap = max(1024, int(n * 1.25))
        self._labels = np.empty(cap, np.int64)
        self._dim = vectors.shape[1]
        self._vecs = np.empty((cap, self._dim), np.float16)
        self._labels[:n] = np.asarray(labels, np.int64)[order]
        self._vecs[:n] = np.asarray(vectors)[order]
        self._alive = np.zeros(cap, bool)
        self._alive[:n] = True
        self._n = n
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._n

    def append(self, labels: np.ndarray, vectors: np.ndarray) -> None:
        """Add rows; labels are never reused and grow, so the rows stay sorted (re-sorted if not)."""
        with self._lock:
            need = self._n + len(labels)
            if need > len(self._labels):
                cap = max(need, len(self._labels) * 2)
                self._labels = np.resize(self._labels, cap)
                grown = np.empty((cap, self._dim), np.float16)
                grown[:self._n] = self._vecs[:self._n]
                self._vecs = grown
                alive = np.zeros(cap, bool)
                alive[:self._n] = self._alive[:self._n]
                self._alive = alive
            self._labels[self._n:need] = labels
            self._vecs[self._n:need] = vectors
            self._alive[self._n:need] = True
            if self._n and len(labels) and labels.min() < self._labels[self._n - 1]:
                order = np.argsort(self._labels[:need], kind="stable")
                self._labels[:need] = self._labels[:need][order]
                self._vecs[:need] = self._vecs[:need][order]
                self._alive[:need] = self._alive[:need][order]
            self._n = need

    def remove(self, labels: np.ndarray) -> None:
        """Forget deleted memories' rows (kept in place, skipped by `alive_rows`)."""
        labels = np.asarray(labels, np.int64)
        with self._lock:
            held = self._labels[:self._n]
            pos = np.searchsorted(held, labels)
            ok = pos < self._n
            pos = pos[ok][held[pos[ok]] == labels[ok]]
            self._alive[pos] = False

    def alive_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Every live (labels, float16 vectors): the whole cube for an unfiltered exact search."""
        with self._lock:
            keep = self._alive[:self._n]
            return self._labels[:self._n][keep], self._vecs[:self._n][keep]

    def rows(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(found labels, their float32 vectors, labels not held here)."""
        labels = np.asarray(labels, np.int64)
        with self._lock:
            held = self._labels[:self._n]
            pos = np.searchsorted(held, labels)
            pos_ok = np.minimum(pos, max(self._n - 1, 0))
            hit = (pos < self._n) & (held[pos_ok] == labels) if self._n else np.zeros(len(labels), bool)
            vecs = self._vecs[pos_ok[hit]].astype(np.float32)
        return labels[hit], vecs, labels[~hit]
