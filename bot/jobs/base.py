"""What a job is: an id, a description, an interval, and a coroutine over the process's services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.services import Services

JobResult = dict[str, Any]  # JSON-ready: the admin API shows it as the job's last result
JobFunc = Callable[["Services"], Awaitable[JobResult]]


@dataclass(frozen=True, slots=True)
class JobSpec:
    id: str
    description: str
    interval_seconds: int
    run: JobFunc
