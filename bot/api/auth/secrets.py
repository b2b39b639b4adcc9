"""Random keys, their hashes, password hashing (scrypt) and files only the owner can read."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

from filelock import AsyncFileLock, FileLock

KEY_PREFIX = "omo_"
FIRST_START_WAIT_SECONDS = 120.0  # another process making the same file holds its lock this long at most


def new_api_key() -> str:
    """256 random bits; the `omo_` prefix makes a leaked key easy to recognise and grep for."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def display_prefix(key: str) -> str:
    """What lists show instead of the key: enough to recognise it, useless to use."""
    return key[:10]


_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def check_password(password: str, stored: str) -> bool:
    try:
        _, salt_b64, digest_b64 = stored.split("$")
        salt, want = base64.b64decode(salt_b64), base64.b64decode(digest_b64)
    except ValueError:
        return False
    got = hashlib.scrypt(password.encode(), salt=salt, dklen=len(want), **_SCRYPT)
    return hmac.compare_digest(got, want)


def write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only (0600), replacing any old one atomically: a temp file of this
    writer's own in the same folder, then a rename, so a reader never sees half a key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def first_start_lock(path: Path) -> FileLock:
    """Held while one process makes `path` (a secret, a key), so processes starting together on one DATA_DIR
    make it once and all read the same one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(path.with_name(f".{path.name}.lock"), timeout=FIRST_START_WAIT_SECONDS, thread_local=False,
                    mode=0o600)


def first_start_lock_async(path: Path) -> AsyncFileLock:
    """`first_start_lock` for coroutines (waits in a thread, not on the event loop)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return AsyncFileLock(path.with_name(f".{path.name}.lock"), timeout=FIRST_START_WAIT_SECONDS, mode=0o600)


def _read_secret(path: Path) -> str | None:
    if path.exists():
        value = path.read_text().strip()
        if len(value) >= 32:
            return value
    return None


def read_or_create_secret(path: Path) -> str:
    """The JWT signing secret: made once, kept in DATA_DIR with mode 0600 (the same for every process on it)."""
    value = _read_secret(path)
    if value is not None:
        return value
    with first_start_lock(path):
        value = _read_secret(path)  # another process made it while this one waited
        if value is None:
            value = secrets.token_urlsafe(48)
            write_private(path, value + "\n")
    return value
