"""Header values from real-world mail: decoded, valid Unicode, never an exception.

Pure. Raw 8-bit bytes that the stdlib could not decode are re-read (UTF-8, else Latin-1);
malformed structured headers fall back to their raw text.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

_MSGID = re.compile(r"<[^<>\s]+>")
MAX_ID = 500  # longer Message-IDs are replaced by a digest so the unique index stays small


def _latin1_bytes(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


# Undeclared 8-bit text: valid UTF-8 sequences stay UTF-8, stray bytes are read as Latin-1.
codecs.register_error("sopdesk-latin1", _latin1_bytes)


def clean(text: str) -> str:
    """Valid Unicode without NULs (which PostgreSQL refuses), whatever bytes hid in `text`."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "sopdesk-latin1")
    return text.replace("\x00", "")


def header(message: Message, name: str) -> str:
    """One header's decoded value ('' when absent); raw text when the structured parse fails."""
    try:
        value = message.get(name)
        if value is None:
            return ""
        if "\ufffd" not in str(value):  # else raw 8-bit bytes were lost: re-read them below
            return clean(str(value)).strip()
    except Exception:  # header classes raise on some malformed input
        pass
    for key, raw_value in message.raw_items():
        if key.casefold() == name.casefold():
            try:
                return clean(str(make_header(decode_header(raw_value)))).strip()
            except Exception:
                return clean(raw_value).strip()
    return ""


def addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs of an address header; junk entries dropped."""
    pairs = getaddresses([header(message, name)])
    return [(clean(n), a.strip().lower()) for n, a in pairs if "@" in a]


def message_ids(value: str) -> list[str]:
    return [_short_id(m) for m in _MSGID.findall(value)]


def _short_id(value: str) -> str:
    if len(value) <= MAX_ID:
        return value
    return f"<{hashlib.sha256(value.encode()).hexdigest()}@long-id.invalid>"
