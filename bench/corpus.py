"""A real, offline text corpus for benchmarks: the user's Japanese design documents and the English
docstrings of Python's standard library. Nothing is downloaded. A clone without the design documents
beside it takes its Japanese from the chats of bench/retrieval/ja_community.json, which ship in the repo."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
from pathlib import Path

JA_CHATS = Path(__file__).parent / "retrieval" / "ja_community.json"


def _seeds_dir() -> Path | None:
    """OMOIDE_SEEDS_DIR, else the first `shared/seeds` beside the repo or above it (a git worktree sits deeper)."""
    if given := os.environ.get("OMOIDE_SEEDS_DIR"):
        return Path(given)
    for parent in Path(__file__).resolve().parents[1:]:
        if (parent / "shared" / "seeds").is_dir():
            return parent / "shared" / "seeds"
    return None

STDLIB = ["json", "asyncio", "collections", "pathlib", "functools", "itertools", "datetime", "logging",
          "argparse", "sqlite3", "email", "http.client", "urllib.parse", "csv", "random", "statistics",
          "textwrap", "string", "decimal", "fractions", "heapq", "bisect", "shutil", "tempfile", "zipfile"]


def _seed_sentences() -> list[str]:
    seeds = _seeds_dir()
    if seeds is None:
        chats = json.loads(JA_CHATS.read_text(encoding="utf-8"))["conversations"]
        return [t["text"] for c in chats for s in c["sessions"] for t in s["turns"] if len(t["text"]) >= 12]
    out: list[str] = []
    for path in sorted(seeds.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = re.sub(r"[#*`>|\-]+", " ", line).strip()
            if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", line) and 12 <= len(line) <= 200:
                out.append(line)
    return out


def _docstring_sentences() -> list[str]:
    out: list[str] = []
    for name in STDLIB:
        mod = importlib.import_module(name)
        for _, obj in inspect.getmembers(mod):
            doc = inspect.getdoc(obj) if (inspect.isfunction(obj) or inspect.isclass(obj)) else None
            for para in (doc or "").split("\n\n"):
                para = " ".join(para.split())
                if 30 <= len(para) <= 300 and not para.startswith(">>>"):
                    out.append(para)
    return out


def corpus(n: int) -> list[str]:
    """n distinct real texts, Japanese and English interleaved."""
    ja, en = list(dict.fromkeys(_seed_sentences())), list(dict.fromkeys(_docstring_sentences()))
    mixed: list[str] = []
    for i in range(max(len(ja), len(en))):
        if i < len(ja):
            mixed.append(ja[i])
        if i < len(en):
            mixed.append(en[i])
    if len(mixed) < n:
        raise SystemExit(f"corpus has only {len(mixed)} texts, {n} asked")
    return mixed[:n]
