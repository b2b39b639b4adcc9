"""Run one function in several threads at once (behind a barrier) and collect what each returned."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def results_from_threads(fn: Callable[[], T], n: int = 4) -> list[T]:
    results: list[T] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(n)

    def work() -> None:
        try:
            barrier.wait()
            results.append(fn())
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
