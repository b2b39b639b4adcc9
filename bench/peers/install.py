"""Build the peers' own virtualenv (`.venv-peers`) from the `peers` extra: `python -m bench.peers.install`.

Why a venv of their own: chromadb and mem0 pin packages (onnxruntime, tokenizers, pydantic, opentelemetry...)
that would move what Omoide runs on, so they never go into the main venv. Only the extra's packages are
installed there, not Omoide: the peers' worker needs nothing of it.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv-peers"


def pinned() -> list[str]:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    return [str(spec) for spec in extras["peers"]]


def main() -> int:
    python = VENV / "bin" / "python"
    if not python.exists():
        base = getattr(sys, "_base_executable", sys.executable)  # a venv of the interpreter, not of our venv
        subprocess.check_call([base, "-m", "venv", str(VENV)])
    stamp = VENV / ".installed"
    wanted = "\n".join(pinned())
    if stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        return 0
    print(f"installing the peers into {VENV.name}: {' '.join(pinned())}", flush=True)
    subprocess.check_call([str(python), "-m", "pip", "install", "--quiet", *pinned()])
    stamp.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
