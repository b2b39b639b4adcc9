"""A compact copy of a cube's vectors for exact search over small scopes.

hnswlib's `get_items` builds a Python float per component (1,000 vectors: ~20 ms), far too slow for
the exact search of a user's few thousand memories. This keeps the vectors as float32 rows sorted by
label (100k x 384 = 154 MB), filled lazily from the database the first time a cube needs an exact search
and appended to as memories are added. (float16 would halve that, but numpy converts float16 one value
at a time: 0.33 ms per 1,000 vectors on every search, against 0.02 ms for the float32 product.)

The rows live in fixed blocks of BLOCK_ROWS that never move once written: growing one array by
doubling copied every row into the new one, so the process briefly held the cube's vectors twice
(+100 MB when a cube passed 65k memories). A cube of one block hands out views of it, as before.
"""

from __future__ import annotations

import threading

import numpy as np

BLOCK_ROWS = 8192  # 12 MB of 384-d vectors: more than a small cube's whole exact search (4,096)


class VectorMatrix:
    def __init__(self, labels: np.ndarray, vectors: np.ndarray, capacity: int = 0) -> None:
        """`capacity` is a hint for the label arrays; vector blocks are made as rows arrive."""
        order = np.argsort(labels, kind="stable")
        n = len(labels)
        cap = max(1024, int(n * 1.25), capacity)
        self._dim = vectors.shape[1]
        self._labels = np.empty(cap, np.int64)
        self._labels[:n] = np.asarray(labels, np.int64)[order]
        self._blocks: list[np.ndarray] = []
        self._alive = np.zeros(cap, bool)
        self._n = 0
        self._write(np.asarray(vectors, np.float32)[order] if n else np.empty((0, self._dim), np.float32))
        self._alive[:n] = True
        self._n = n
        self._dead = 0  # removed rows still held; while 0, alive_rows hands out views, no copy
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._n

    def _write(self, vectors: np.ndarray) -> None:
        """Put rows at positions _n.. (blocks added as needed; untouched rows of a block take no memory)."""
        at, done = self._n, 0
        while done < len(vectors):
            block, offset = divmod(at + done, BLOCK_ROWS)
            while block >= len(self._blocks):
                self._blocks.append(np.empty((BLOCK_ROWS, self._dim), np.float32))
            take = min(BLOCK_ROWS - offset, len(vectors) - done)
            self._blocks[block][offset:offset + take] = vectors[done:done + take]
            done += take

    def _gather(self, pos: np.ndarray) -> np.ndarray:
        """Rows at positions `pos`, as one new array (a scope's positions come sorted: one slice a block)."""
        if len(self._blocks) == 1:
            one: np.ndarray = self._blocks[0][pos]
            return one
        out = np.empty((len(pos), self._dim), np.float32)
        if len(pos) > 1 and not bool(np.all(pos[1:] >= pos[:-1])):
            block_of = pos // BLOCK_ROWS
            for block in np.unique(block_of).tolist():
                sel = np.flatnonzero(block_of == block)
                out[sel] = self._blocks[block][pos[sel] - block * BLOCK_ROWS]
            return out
        cuts = np.searchsorted(pos, np.arange(len(self._blocks) + 1) * BLOCK_ROWS).tolist()
        for block, (lo, hi) in enumerate(zip(cuts[:-1], cuts[1:], strict=True)):
            if hi > lo:
                out[lo:hi] = self._blocks[block][pos[lo:hi] - block * BLOCK_ROWS]  # faster than np.take(out=)
        return out

    def _held_vectors(self) -> np.ndarray:
        """Rows 0.._n: a view while one block holds them, else a copy."""
        if not self._blocks:
            return np.empty((0, self._dim), np.float32)
        if self._n <= BLOCK_ROWS:
            return self._blocks[0][:self._n]
        return np.vstack([b[:max(0, min(BLOCK_ROWS, self._n - i * BLOCK_ROWS))] for i, b in enumerate(self._blocks)])

    def append(self, labels: np.ndarray, vectors: np.ndarray) -> None:
        """Add rows; labels are never reused and grow, so the rows stay sorted (re-sorted if not)."""
        with self._lock:
            need = self._n + len(labels)
            if need > len(self._labels):
                cap = max(need, len(self._labels) * 2)
                self._labels = np.resize(self._labels, cap)
                alive = np.zeros(cap, bool)
                alive[:self._n] = self._alive[:self._n]
                self._alive = alive
            self._labels[self._n:need] = labels
            self._write(np.asarray(vectors, np.float32))
            self._alive[self._n:need] = True
            if self._n and len(labels) and labels.min() < self._labels[self._n - 1]:
                # new arrays and blocks, not an in-place sort: views handed out by alive_rows stay consistent
                order = np.argsort(self._labels[:need], kind="stable")
                self._n = need
                vecs = self._gather(order)
                self._labels, self._alive = self._reordered(self._labels, order), self._reordered(self._alive, order)
                self._blocks, self._n = [], 0
                self._write(vecs)
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
                return self._labels[:self._n], self._held_vectors()
            keep = self._alive[:self._n]
            return self._labels[:self._n][keep], self._gather(np.flatnonzero(keep))

    def rows(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(found labels, their float32 vectors, labels not held here)."""
        labels = np.asarray(labels, np.int64)
        with self._lock:
            held = self._labels[:self._n]
            pos = np.searchsorted(held, labels)
            pos_ok = np.minimum(pos, max(self._n - 1, 0))
            hit = (pos < self._n) & (held[pos_ok] == labels) if self._n else np.zeros(len(labels), bool)
            vecs = self._gather(pos_ok[hit]) if self._blocks else np.empty((0, self._dim), np.float32)
        return labels[hit], vecs, labels[~hit]
