"""No peer reaches the network: telemetry off through each library's own switch, and a socket guard
that refuses every address but loopback (a library that phones home fails loudly instead of leaking).

Stdlib only: it runs first in every worker, in either virtualenv.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

TELEMETRY_OFF = {
    "ANONYMIZED_TELEMETRY": "False",  # chromadb
    "MEM0_TELEMETRY": "False",  # mem0
    "POSTHOG_DISABLED": "1",
    "LANCEDB_TELEMETRY": "0",
    "DO_NOT_TRACK": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


class NetworkRefused(OSError):
    """A benchmarked library tried to reach a non-loopback address."""


def _loopback(host: Any) -> bool:
    if host is None:
        return True
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False


def install() -> None:
    """Telemetry env vars, then socket.connect / getaddrinfo / create_connection limited to loopback."""
    os.environ.update(TELEMETRY_OFF)
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise NetworkRefused(f"network access refused in the benchmark: {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _loopback(host):
            raise NetworkRefused(f"name lookup refused in the benchmark: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign, assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign, assignment]
    socket.getaddrinfo = getaddrinfo
