"""The engine's numpy matrix products run on one BLAS thread.

They are small: a batch's vectors against one user's stored ones (near-duplicate checks), a query against
a scope of at most `exact_search_max` rows. OpenBLAS splits even these over every core, and when the cores
are busy (the model, the bot, other processes) its threads wait for one another: on this project's 2-core
machine under load (load average ~15), a 128x384 by 384x300 product took 3.7-14 ms on two threads and
0.57 ms on one, and LoCoMo's 5,882 turns saved with given vectors took 35% less CPU time (3.7 s -> 2.4 s).
Set once per process when an engine opens, through threadpoolctl's public API; onnxruntime (the model)
keeps its own threads.
"""

from __future__ import annotations

import threading

from threadpoolctl import threadpool_limits

_lock = threading.Lock()
_limited = False


def one_blas_thread() -> None:
    """Limit BLAS (OpenBLAS, MKL...) to one thread in this process, once."""
    global _limited
    with _lock:
        if not _limited:
            threadpool_limits(limits=1, user_api="blas")
            _limited = True
