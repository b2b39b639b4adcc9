"""The `emotions` chart: a user's top emotions over time, as a PNG (matplotlib, Agg backend).

Labels are Japanese only when a Japanese-capable font is installed (e.g. fonts-ipafont-gothic or
fonts-noto-cjk); otherwise English names, so the chart never shows missing-glyph boxes. Days are the
reader's days (their time zone), ticks are dates, and a short history is drawn on a week-wide axis so
one day is one bar, not a block with hour ticks.
"""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

from matplotlib import dates as mdates  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from config.timezones import local  # noqa: E402
from memory.emotions.labels import EMOTION_COLORS, en_name, ja_name  # noqa: E402

CJK_FONTS = ("Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "IPAGothic", "IPAPGothic", "TakaoGothic",
             "VL Gothic", "Source Han Sans JP", "Hiragino Sans", "Yu Gothic", "Meiryo", "MS Gothic")
COLORS = EMOTION_COLORS
MIN_BUCKETS_SHOWN = 7  # a first day is one bar on a week-wide axis
MAX_TICKS = 8


@lru_cache(maxsize=1)
def japanese_font() -> str | None:
    """The first installed font that can draw Japanese, or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONTS if name in installed), None)
    if found is None:  # installed after matplotlib cached its font list: look once more
        for path in font_manager.findSystemFonts():
            try:
                family = font_manager.FontProperties(fname=path).get_name()
            except (OSError, RuntimeError, ValueError):
                continue
            if family in CJK_FONTS:
                font_manager.fontManager.addfont(path)
                found = found or family
    return found


def chart_language(locale: str) -> str:
    return "ja" if locale == "ja" and japanese_font() else "en"


def _buckets(times: list[datetime]) -> tuple[list[datetime], timedelta]:
    """Daily bars for up to ~6 weeks of history, weekly beyond."""
    first = min(times).replace(hour=0, minute=0, second=0, microsecond=0)
    last = max(times)
    step = timedelta(days=1) if (last - first) <= timedelta(days=45) else timedelta(days=7)
    edges = [first]
    while edges[-1] + step <= last:
        edges.append(edges[-1] + step)
    return edges, step


def _date_axis(ax: Axes, edges: list[datetime], step: timedelta) -> None:
    """Date ticks under the bars (at most MAX_TICKS), and room around a short history."""
    every = math.ceil(len(edges) / MAX_TICKS)
    ax.set_xticks([_num(e + step * 0.4) for e in edges[::every]])
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m/%d"))  # type: ignore[no-untyped-call]
    pad = step * max(0.5, (MIN_BUCKETS_SHOWN - len(edges)) / 2)
    ax.set_xlim(_num(edges[0] - pad), _num(edges[-1] + step + pad))


def _num(at: datetime) -> float:
    return float(mdates.date2num(at))  # type: ignore[no-untyped-call]


def render_emotion_chart(timeline: list[tuple[datetime, list[str]]], top_labels: list[str], locale: str,
                         title: str, y_label: str, tz: tzinfo = UTC) -> bytes:
    """Stacked bars: how often each top emotion appeared per day (or week) in `tz`. Returns PNG bytes."""
    fig = emotion_chart(timeline, top_labels, locale, title, y_label, tz)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def emotion_chart(timeline: list[tuple[datetime, list[str]]], top_labels: list[str], locale: str,
                  title: str, y_label: str, tz: tzinfo = UTC) -> Figure:
    """The chart as a matplotlib Figure (render_emotion_chart draws it)."""
    timeline = [(local(at, tz).replace(tzinfo=None), labels) for at, labels in timeline]  # the reader's days
    lang = chart_language(locale)
    name = ja_name if lang == "ja" else en_name
    fig = Figure(figsize=(8, 4), dpi=100)
    ax = fig.add_subplot()
    font = japanese_font() if lang == "ja" else None
    if font is not None:
        ax.title.set_fontfamily(font)
        ax.yaxis.label.set_fontfamily(font)
    times = [at for at, _ in timeline]
    if times and top_labels:
        edges, step = _buckets(times)
        bottoms = [0] * len(edges)
        for label in top_labels:
            counts = [0] * len(edges)
            for at, labels in timeline:
                if label in labels:
                    counts[min(int((at - edges[0]) / step), len(edges) - 1)] += 1
            # matplotlib's date units take datetimes and a timedelta width; its stubs say numbers
            ax.bar(edges, counts, width=step * 0.8, bottom=bottoms, label=name(label),  # type: ignore[arg-type]
                   color=COLORS.get(label, "#888888"), align="edge")
            bottoms = [b + c for b, c in zip(bottoms, counts, strict=True)]
        legend = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
        if font is not None:
            for text in legend.get_texts():
                text.set_fontfamily(font)
        _date_axis(ax, edges, step)
        fig.autofmt_xdate()
    ax.set_title(title if lang == locale else "Emotions over time")
    ax.set_ylabel(y_label if lang == locale else "count")
    if isinstance(locator := ax.yaxis.get_major_locator(), MaxNLocator):  # the default AutoLocator is one
        locator.set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig
