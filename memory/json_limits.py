"""Bounds on free-form JSON (metadata and the like): checked on the way in, enforced on the way out.

A client may send any object as metadata; nested a few hundred levels deep it is stored fine but can
no longer be serialised (pydantic stops at 255 levels, `json` at the recursion limit), so every later
read of the tenant would fail. Writes are therefore refused past MAX_JSON_DEPTH levels or
MAX_JSON_BYTES of JSON (a 422 naming the field), and reads cut anything already stored deeper than
that, logging the record once, so one bad row never takes a listing down.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from memory.errors import ValidationError

log = logging.getLogger(__name__)

MAX_JSON_DEPTH = 16  # objects/arrays inside one another, the field itself counting as the first level
MAX_JSON_BYTES = 64 * 1024  # the field as compact UTF-8 JSON
MAX_DOCUMENT_BYTES = 512 * 1024  # a field that is the record's payload (a Resonant agent's context_data)
CUT_MARK = "[omitted: nested too deep]"
_LOGGED_MAX = 10_000
_logged: set[str] = set()


def json_depth(value: Any, stop_after: int | None = None) -> int:
    """How deeply lists and dicts nest in `value` (a scalar is 0); iterative, so any depth is safe."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, (list, tuple)):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if stop_after is not None and deepest > stop_after:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def json_problem(value: Any, *, max_depth: int = MAX_JSON_DEPTH, max_bytes: int = MAX_JSON_BYTES) -> str | None:
    """Why `value` is not acceptable free-form JSON, or None when it is."""
    if json_depth(value, stop_after=max_depth) > max_depth:
        return f"is nested deeper than {max_depth} levels"
    try:
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    except (TypeError, ValueError, UnicodeError) as exc:
        return f"is not JSON ({exc})"
    if size > max_bytes:
        return f"is larger than {max_bytes // 1024} KiB as JSON ({size} bytes)"
    return None


def check_json(value: Any, field: str, *, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """`value` unchanged, or a ValidationError naming `field`."""
    problem = json_problem(value, max_bytes=max_bytes)
    if problem:
        raise ValidationError(f"{field} {problem}", field=field)
    return value


def readable_json(value: Any, what: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """A stored value as it can be served: cut at `max_depth` when stored deeper (logged once per `what`)."""
    if json_depth(value, stop_after=max_depth) <= max_depth:
        return value
    if what not in _logged:
        if len(_logged) >= _LOGGED_MAX:
            _logged.clear()
        _logged.add(what)
        log.warning("%s is stored nested deeper than %d levels; it is served cut at that depth", what, max_depth)
    return _cut(value, max_depth)


def _cut(value: Any, levels: int) -> Any:
    """A copy of `value` keeping `levels` levels of containers; deeper ones become CUT_MARK (a string)."""
    if not isinstance(value, (dict, list, tuple)):
        return value
    if levels <= 0:
        return CUT_MARK
    root: Any = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any, int]] = [(value, root, levels)]
    while stack:
        src, dst, left = stack.pop()
        items = src.items() if isinstance(src, dict) else enumerate(src)
        for key, child in items:
            if isinstance(child, (dict, list, tuple)):
                if left <= 1:
                    new: Any = CUT_MARK
                else:
                    new = {} if isinstance(child, dict) else []
                    stack.append((child, new, left - 1))
            else:
                new = child
            if isinstance(dst, dict):
                dst[key] = new
            else:
                dst.append(new)
    return root
