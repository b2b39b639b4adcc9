"""The exact-search matrix hands back each memory's own vector, across its fixed blocks."""

from __future__ import annotations

import numpy as np

from memory.index.matrix import BLOCK_ROWS, VectorMatrix


def test_rows_across_blocks_follow_appends_out_of_order_adds_and_removes() -> None:
    rng = np.random.default_rng(7)
    n = 2 * BLOCK_ROWS + 100
    labels = np.arange(10, 10 + 3 * n, 3, dtype=np.int64)
    vecs = rng.standard_normal((n, 4)).astype(np.float32)
    by_label = dict(zip(labels.tolist(), vecs, strict=True))
    matrix = VectorMatrix(labels[:50], vecs[:50])
    for lo in range(50, n, 5000):  # grows past two blocks
        matrix.append(labels[lo:lo + 5000], vecs[lo:lo + 5000])
    late = np.array([1, 4], np.int64)  # lower labels than every row held: re-sorted
    late_vecs = rng.standard_normal((2, 4)).astype(np.float32)
    matrix.append(late, late_vecs)
    by_label.update(zip(late.tolist(), late_vecs, strict=True))
    gone = labels[[0, BLOCK_ROWS, n - 1]]
    matrix.remove(gone)

    wanted = np.sort(np.concatenate([rng.choice(labels, 3000, replace=False), late, [999_999_999]]))
    found, got, missing = matrix.rows(wanted)
    assert missing.tolist() == [999_999_999]
    assert all(np.array_equal(v, by_label[x]) for x, v in zip(found.tolist(), got, strict=True))
    alive, alive_vecs = matrix.alive_rows()
    assert len(alive) == n + 2 - 3 and set(gone.tolist()).isdisjoint(alive.tolist())
    assert np.all(np.diff(alive) > 0)
    assert all(np.array_equal(v, by_label[x]) for x, v in zip(alive.tolist(), alive_vecs, strict=True))
