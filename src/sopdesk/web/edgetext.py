"""Text the database cannot keep, found in a request body before any route sees it.

JSON may spell a lone UTF-16 surrogate (`"\\ud800"`): Python decodes it into a string that no
UTF-8 page or SQLite row can hold, so a value stored once made its call answer 500 for ever.
PostgreSQL refuses NUL in text. Both are refused at the edge, naming the field (the JSON path,
or the form field), whatever the route; agents never type either.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from sopdesk.errors import FieldProblem

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _why(text: str) -> str | None:
    if "\x00" in text:
        return "contains a NUL character"
    if _SURROGATE.search(text):
        return "contains a lone UTF-16 surrogate (not a character)"
    return None


def _walk(value: object, path: str) -> FieldProblem | None:
    if isinstance(value, str):
        why = _why(value)
        return FieldProblem(path or "body", f"{path or 'the body'} {why}") if why else None
    if isinstance(value, dict):
        for key, inner in value.items():
            where = f"{path}.{key}" if path else key
            why = _why(key)
            if why:
                return FieldProblem(path or "body", f"a key in {path or 'the body'} {why}")
            found = _walk(inner, where)
            if found:
                return found
    if isinstance(value, list):
        for index, inner in enumerate(value):
            found = _walk(inner, f"{path}[{index}]" if path else f"[{index}]")
            if found:
                return found
    return None


def bad_text(content_type: str, body: bytes) -> FieldProblem | None:
    """The first field of a JSON or form body holding text no store can keep, else None.

    A body that does not parse is left to the route, which says what is wrong with it.
    """
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            document = json.loads(body)
        except ValueError:
            return None
        return _walk(document, "")
    if kind == "application/x-www-form-urlencoded":
        text = body.decode("utf-8", errors="replace")  # as the form parser reads it
        for key, value in parse_qsl(text, keep_blank_values=True):
            why = _why(value) or _why(key)
            if why:
                return FieldProblem(key, f"{key} {why}")
    return None


def is_checked(content_type: str) -> bool:
    """Whether `bad_text` reads bodies of this type (others are passed through unread)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind in ("application/json", "application/x-www-form-urlencoded") or kind.endswith(
        "+json"
    )
