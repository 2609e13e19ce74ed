"""Total accessors over decoded JSON: a wrong type reads as absent, never as an exception."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

JsonObject = dict[str, Any]


def obj(value: object, key: str) -> JsonObject | None:
    """`value[key]` when both are JSON objects."""
    if isinstance(value, dict):
        inner = value.get(key)
        if isinstance(inner, dict):
            return inner
    return None


def items(value: object, key: str) -> list[JsonObject]:
    """The objects in the array `value[key]`; other elements are dropped."""
    if isinstance(value, dict):
        inner = value.get(key)
        if isinstance(inner, list):
            return [item for item in inner if isinstance(item, dict)]
    return []


def text(value: object, key: str) -> str | None:
    """A non-blank string, stripped. Numbers are accepted because ids arrive either way."""
    if not isinstance(value, dict):
        return None
    inner = value.get(key)
    if isinstance(inner, bool):
        return None
    if isinstance(inner, int):
        return str(inner)
    if isinstance(inner, str):
        stripped = inner.strip()
        return stripped or None
    return None


def integer(value: object, key: str) -> int | None:
    """An integer, or a string of digits."""
    if not isinstance(value, dict):
        return None
    inner = value.get(key)
    if isinstance(inner, bool):
        return None
    if isinstance(inner, int):
        return inner
    if isinstance(inner, str) and inner.strip().isascii() and inner.strip().isdigit():
        return int(inner.strip())
    return None


def flag(value: object, key: str) -> bool | None:
    if isinstance(value, dict):
        inner = value.get(key)
        if isinstance(inner, bool):
            return inner
    return None


def timestamp(value: object, key: str) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime; RingCentral's times end in 'Z'.

    A time without an offset is taken as UTC, which is what RingCentral means by it.
    """
    raw = text(value, key)
    if raw is None or len(raw) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: an offset pushing year 1 below the range
        return None


def json_type(value: object) -> str:
    """The JSON name of a decoded value's type, for messages."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string" if isinstance(value, str) else "null"
