"""The memory browser's query string: search text, filters and page, read into the engine's MemoryFilter.
A list's pages after the first also carry `after` (or `before`, going back): the id of the memory the page
follows, so a deep page is a seek rather than an OFFSET that reads every row it skips.

A bad value is a 400 naming the form field, before the engine sees it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from bot.api.errors import ApiError
from memory.emotions.labels import EMOTIONS
from memory.types import ContentType, MemoryFilter, Tier
from memory.validation import MAX_TOP_K

PAGE_SIZE = 25
TEXT_MAX = 2000
CURSOR = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True)
class Browse:
    q: str = ""
    user: str = ""
    tier: str = ""
    tags: str = ""
    emotion: str = ""
    date_from: str = ""
    date_to: str = ""
    type: str = ""
    page: int = 1
    after: str = ""  # list pages: the memory id this page follows (its predecessor's last row)
    before: str = ""  # ... or precedes (going back: the next page's first row)

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]

    def memory_filter(self, tenant: str, cube: str) -> MemoryFilter:
        start, end = _day(self.date_from, "date_from"), _day(self.date_to, "date_to")
        return MemoryFilter(tenant=tenant, cube=cube, user_id=self.user or None,
                            tiers=[self.tier] if self.tier else None, tags=self.tag_list or None,
                            emotions=[self.emotion] if self.emotion else None, content_type=self.type or None,
                            created_after=start, created_before=end + timedelta(days=1) if end else None)

    def query(self, **change: object) -> str:
        """This view's query string with some fields changed (pagination, language links)."""
        values = {**asdict(self), **change}
        return urlencode({k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)})

    @property
    def searching(self) -> bool:
        return bool(self.q.strip())

    @property
    def search_top_k(self) -> int:
        return min(MAX_TOP_K, self.page * PAGE_SIZE)


def _day(value: str, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    except ValueError:
        raise ApiError(400, "ValidationError", f"{name}: give a date as YYYY-MM-DD (got {value[:40]!r})",
                       field=name) from None


def _choice(value: str, allowed: tuple[str, ...], name: str) -> str:
    if value and value not in allowed:
        raise ApiError(400, "ValidationError", f"{name}: one of {', '.join(allowed)} (got {value[:40]!r})", field=name)
    return value


def parse_browse(query: Mapping[str, str]) -> Browse:
    values = {k: query.get(k, "").strip() for k in ("q", "user", "tier", "tags", "emotion", "date_from", "date_to",
                                                       "type")}
    for name, value in values.items():
        if len(value) > TEXT_MAX:
            raise ApiError(400, "ValidationError", f"{name}: at most {TEXT_MAX} characters", field=name)
    _choice(values["tier"], tuple(t.value for t in Tier), "tier")
    _choice(values["emotion"], EMOTIONS, "emotion")
    _choice(values["type"], tuple(c.value for c in ContentType), "type")
    _day(values["date_from"], "date_from")
    _day(values["date_to"], "date_to")
    cursors = {k: query.get(k, "").strip() for k in ("after", "before")}
    for name, value in cursors.items():
        if value and not CURSOR.fullmatch(value):
            raise ApiError(400, "ValidationError", f"{name}: a memory id from a page link", field=name)
    raw_page = query.get("page", "1")
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= MAX_TOP_K // PAGE_SIZE * 1000:
        raise ApiError(400, "ValidationError", "page: a whole number from 1", field="page")
    page = int(raw_page)
    if values["q"] and page * PAGE_SIZE > MAX_TOP_K:
        raise ApiError(400, "ValidationError", f"page: search shows at most {MAX_TOP_K} results", field="page")
    if values["q"]:  # search pages are numbered, not chained
        cursors = {"after": "", "before": ""}
    return Browse(page=page, **values, **cursors)
