"""Plain-text tables for benchmark output (Markdown-compatible so they paste into the README)."""

from __future__ import annotations

import os
import platform
from datetime import date


def pct(x: float) -> str:
    return f"{100 * x:.0f}%"


class Table:
    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.rows: list[list[str]] = []

    def add(self, *cells: str) -> None:
        self.rows.append([str(c) for c in cells])

    def render(self) -> str:
        widths = [max(len(r[i]) for r in [self.header, *self.rows]) for i in range(len(self.header))]

        def line(cells: list[str]) -> str:
            return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

        sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
        return "\n".join([line(self.header), sep, *(line(r) for r in self.rows)])


def print_report(title: str, table: Table) -> None:
    """A benchmark's result: a heading saying what ran, when and on which machine, then its table."""
    print(f"\nOmoide {title}, {date.today()}, {platform.machine()} {os.cpu_count()} cores, "
          f"Python {platform.python_version()}\n")
    print(table.render())
