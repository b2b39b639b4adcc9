"""Regenerate `.env.example` and the README's settings table from `Settings`: `python -m config.docs`.

One source of truth for every setting's name, default and description; a test fails when the files
drift from it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from config.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- settings-table:start -->", "<!-- settings-table:end -->"


def _default(name: str) -> str:
    value = Settings.model_fields[name].default
    if value is None:
        return ""
    if isinstance(value, Path):
        text = value.as_posix()
        return text if text.startswith(("/", ".")) else f"./{text}"
    return str(value)


def _group(name: str) -> str | None:
    extra = Settings.model_fields[name].json_schema_extra
    group = extra.get("group") if isinstance(extra, dict) else None
    return group if isinstance(group, str) else None


def env_example() -> str:
    lines = ["# Omoide settings. Copy to .env and edit; environment variables override this file.",
             "# Every setting is listed with its default."]
    for name, field in Settings.model_fields.items():
        if group := _group(name):
            lines += ["", f"# --- {group} ---"]
        lines += [f"# {field.description}", f"{name.upper()}={_default(name)}"]
    return "\n".join(lines) + "\n"


def readme_table() -> str:
    rows = ["| variable | default | what it does |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = f"`{_default(name)}`" if _default(name) else "(empty)"
        rows.append(f"| `{name.upper()}` | {default} | {field.description} |")
    return "\n".join(rows)


def readme_with_table(readme: str) -> str:
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    return pattern.sub(f"{START}\n{readme_table()}\n{END}", readme)


def main() -> int:
    (ROOT / ".env.example").write_text(env_example())
    readme = ROOT / "README.md"
    readme.write_text(readme_with_table(readme.read_text()))
    print("wrote .env.example and the README settings table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
