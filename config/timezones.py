"""Which time zone dates are shown in: `TIMEZONE`, else the system's own zone (found without tzlocal).

Stored times stay UTC (the database, the API, `mydata` exports); only what a person reads is local.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

ETC_TIMEZONE = Path("/etc/timezone")
ETC_LOCALTIME = Path("/etc/localtime")
ALIASES = {"jst": "Asia/Tokyo", "kst": "Asia/Seoul", "utc": "UTC", "gmt": "UTC", "z": "UTC"}


@lru_cache(maxsize=1)
def _known() -> dict[str, str]:
    """Every IANA zone name by its lower-case spelling, so `asia/tokyo` finds `Asia/Tokyo`."""
    return {name.lower(): name for name in available_timezones()}


def zone_named(text: str) -> ZoneInfo | None:
    """The zone a person typed (`Asia/Tokyo`, `asia/tokyo`, `JST`, `UTC`), or None when there is none."""
    key = text.strip().replace(" ", "_").lower()
    name = ALIASES.get(key) or _known().get(key)
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _system_zone_name() -> str | None:
    tz = os.environ.get("TZ", "").lstrip(":").strip()
    if tz and zone_named(tz):
        return tz
    try:
        name = ETC_TIMEZONE.read_text().strip()
        if name and zone_named(name):
            return name
    except OSError:
        pass
    try:
        target = os.readlink(ETC_LOCALTIME)
    except OSError:
        return None
    _, found, name = target.partition("zoneinfo/")
    return name if found and zone_named(name) else None


def system_timezone() -> tzinfo:
    """The machine's zone: TZ, /etc/timezone, the /etc/localtime link, else its current UTC offset."""
    name = _system_zone_name()
    if name:
        zone = zone_named(name)
        if zone is not None:
            return zone
    return datetime.now().astimezone().tzinfo or UTC


def resolve_timezone(name: str | None) -> tzinfo:
    """`TIMEZONE` as a tzinfo: the named zone, or the system's when empty."""
    if not name:
        return system_timezone()
    zone = zone_named(name)
    if zone is None:
        raise ValueError(f"unknown time zone {name!r}")
    return zone


def zone_label(tz: tzinfo) -> str:
    """What to call a zone in a message: its IANA name, else its offset."""
    return getattr(tz, "key", None) or datetime.now(tz).strftime("UTC%z")


def local(at: datetime, tz: tzinfo) -> datetime:
    """A stored (UTC) time as wall-clock time in `tz`; naive times are taken as UTC."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz)
