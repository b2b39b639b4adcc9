"""Compare a documented example with what the server really answered: same fields, same kinds of values.

A model's object must have the same keys on both sides; a free-form map (metadata, counts) only needs the
same kinds of values where both have a key; a list's items compare with the other side's first item; null
matches anything (a field empty on one side is no difference of shape).
"""

from __future__ import annotations

from typing import Any


def _resolve(spec: dict[str, Any], schema: dict[str, Any] | None) -> dict[str, Any]:
    seen = 0
    while schema is not None and "$ref" in schema and seen < 20:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        seen += 1
    return schema or {}


def _branches(spec: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(spec, schema)
    if "anyOf" in schema or "oneOf" in schema:
        return [b for s in schema.get("anyOf", schema.get("oneOf", [])) for b in _branches(spec, s)]
    return [schema]


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "null")


def differences(spec: dict[str, Any], schema: dict[str, Any] | None, documented: Any, real: Any,
                where: str = "") -> list[str]:
    """Where `documented` and `real` differ in shape (empty: they agree)."""
    if documented is None or real is None:
        return []
    if _kind(documented) != _kind(real):
        return [f"{where or 'body'}: documented {_kind(documented)}, served {_kind(real)}"]
    branches = _branches(spec, schema or {})
    typed = [b for b in branches if b.get("type") == _kind(documented) or
             (_kind(documented) == "number" and b.get("type") == "integer")]
    sub = typed[0] if typed else {}
    if isinstance(documented, dict):
        props = sub.get("properties")
        out: list[str] = []
        if props is not None:
            if set(documented) != set(real):
                out.append(f"{where or 'body'}: documented keys {sorted(documented)}, served {sorted(real)}")
            for key in set(documented) & set(real):
                out += differences(spec, props.get(key), documented[key], real[key], f"{where}.{key}")
        else:
            extra = sub.get("additionalProperties")
            for key in set(documented) & set(real):
                out += differences(spec, extra if isinstance(extra, dict) else None, documented[key], real[key],
                                   f"{where}.{key}")
        return out
    if isinstance(documented, list) and documented and real:
        return differences(spec, sub.get("items"), documented[0], real[0], f"{where}[0]")
    return []
