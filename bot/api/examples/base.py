"""One documented call of a route: what a client sends and what the server answered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class OpExample:
    """`params` holds the path and query values, `request` the JSON body (None: the route takes none) and
    `response` the success answer (JSON, or text for JSON-lines and Prometheus routes). `as_user`: sent with
    a Memory Mesh user's access token (the tenant is the user's own), not the admin key."""

    summary: str
    response: Any
    request: Any = None
    params: Mapping[str, Any] = field(default_factory=dict)
    as_user: bool = False
