"""Durations as people write them in SOPs: '24h', '24 hours', '1 business day', 'PT24H'."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hr": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
    "w": 7 * 86400,
    "week": 7 * 86400,
}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+?)s?\b")
_ISO = re.compile(r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$")


def parse_duration(text: str) -> timedelta:
    """Read a duration; raises ValueError with a message a playbook author can act on."""
    raw = text.strip()
    iso = _ISO.match(raw.upper())
    if iso and any(iso.groupdict().values()):
        parts = {k: int(v or 0) for k, v in iso.groupdict().items()}
        return timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"])
    lowered = raw.lower()
    total = 0.0
    consumed = 0
    for match in _PART.finditer(lowered):
        unit = _UNITS.get(match.group(2))
        if unit is None:
            break
        total += float(match.group(1)) * unit
        consumed += 1
    leftover = _PART.sub("", lowered).replace("and", "").replace(",", "").strip()
    if consumed == 0 or leftover or total <= 0:
        raise ValueError(
            f"{text!r} is not a duration: write e.g. '24h', '30 minutes', '2 days' or 'PT24H'"
        )
    return timedelta(seconds=total)


def format_duration(value: timedelta) -> str:
    """A short plain form: '24h' up to two days (SOPs speak of '24 hours'), '3d' beyond, '30m'."""
    seconds = int(value.total_seconds())
    units: tuple[tuple[str, int], ...] = (("h", 3600), ("m", 60), ("s", 1))
    if seconds > 2 * 86400:
        units = (("d", 86400), *units)
    out = []
    for unit, size in units:
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(out) or "0s"
