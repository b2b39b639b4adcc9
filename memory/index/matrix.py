"""A compact copy of a cube's vectors for exact search over small scopes.

hnswlib's `get_items` builds a Python float per component (1,000 vectors: ~20 ms), far too slow for
the exact search of a user's few thousand memories. This keeps the vectors as float32 rows sorted by
label (100k x 384 = 154 MB), filled lazily from the database the first time a cube needs an exact search
and appended to as memories are added. (float16 would halve that, but numpy converts float16 one value
at a time: 0.33 ms per 1,000 vectors on every search, against 0.02 ms for the float32 product.)
"""

from __future__ import annotations

import threading

import numpy as np


class VectorMatrix:
    def __init__(self, labels: np.ndarray, vectors: np.ndarray, capacity: int = 0) -> None:
        order = np.argsort(labels, kind="stable")
        n = len(labels)
        cap = max(1024, int(n * 1.25), capacity)  # rows never written take no memory
        self._labels = np.empty(cap, np.int64)
        self._dim = vectors.shape[1]
        self._vecs = np.empty((cap, self._dim), np.float32)
        self._labels[:n] = np.asarray(labels, np.int64)[order]
        self._vecs[:n] = np.asarray(vectors)[order]
        self._alive = np.zeros(cap, bool)
        self._alive[:n] = True
        self._n = n
        self._dead = 0  # removed rows still held; while 0, alive_rows hands out views, no copy
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
                grown = np.empty((cap, self._dim), np.float32)
                grown[:self._n] = self._vecs[:self._n]
                self._vecs = grown
                alive = np.zeros(cap, bool)
                alive[:self._n] = self._alive[:self._n]
                self._alive = alive
            self._labels[self._n:need] = labels
            self._vecs[self._n:need] = vectors
            self._alive[self._n:need] = True
            if self._n and len(labels) and labels.min() < self._labels[self._n - 1]:
                # new arrays, not an in-place sort: views handed out by alive_rows stay consistent
                order = np.argsort(self._labels[:need], kind="stable")
                self._labels, self._vecs, self._alive = (
                    self._reordered(self._labels, order), self._reordered(self._vecs, order),
                    self._reordered(self._alive, order))
            self._n = need

    @staticmethod
    def _reordered(arr: np.ndarray, order: np.ndarray) -> np.ndarray:
        out = arr.copy()
        out[:len(order)] = arr[order]
        return out

    def remove(self, labels: np.ndarray) -> None:
        """Forget deleted memories' rows (kept in place, skipped by `alive_rows`)."""
        labels = np.asarray(labels, np.int64)
        with self._lock:
            held = self._labels[:self._n]
            pos = np.searchsorted(held, labels)
            ok = pos < self._n
            pos = np.unique(pos[ok][held[pos[ok]] == labels[ok]])
            self._dead += int(np.count_nonzero(self._alive[pos]))
            self._alive[pos] = False

    def alive_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Every live (labels, vectors): the whole cube for an unfiltered exact search."""
        with self._lock:
            if not self._dead:  # rows below _n never change in place: views are safe to read
                return self._labels[:self._n], self._vecs[:self._n]
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
            vecs = self._vecs[pos_ok[hit]]
        return labels[hit], vecs, labels[~hit]
