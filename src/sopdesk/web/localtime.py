"""Times as people read and type them: the one rule of every page.

Every time a page shows is in the reader's zone (their org's, `orgs.service.org_zone`),
labelled with the zone's abbreviation ("17:00 EST"), inside
`<time datetime="<UTC, ISO 8601>" title="<full date, zone name and UTC>">`. Every time a person
types (a `datetime-local` input) is read in that same zone and turned into UTC here, at the
edge. Stored times, the REST API and live events stay UTC (ISO 8601); relative timers
("3m 20s", `data-since` in desk.js) are not times of day and stay as they are.

Pure: a moment and a zone in, text out; typed text and a zone in, a UTC moment out.
`web/templating.py` registers these as the templates' filters, with the request's zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from markupsafe import Markup

Style = Literal["time", "short", "long", "date", "weekday"]

# The strftime of each style; the first three are times of day and carry the zone's label.
STYLES: dict[Style, str] = {
    "time": "%H:%M",  # 17:00 EST
    "short": "%d %b %H:%M",  # 02 Dec 17:00 EST
    "long": "%a %d %b %Y %H:%M",  # Wed 02 Dec 2026 17:00 EST
    "date": "%d %b %Y",  # 02 Dec 2026
    "weekday": "%a %d %b",  # Wed 02 Dec
}
LABELLED: frozenset[Style] = frozenset({"time", "short", "long"})
INPUT_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> shows and sends
TYPED_EXAMPLE = "a date and time, like 2026-11-26 09:00"
UTC_ZONE = ZoneInfo("UTC")  # the zone of a page read by nobody signed in


class TypedTimeInvalid(ValueError):
    """Typed text that is not a date and time; its message says what is expected."""


def in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment` on the clocks of `zone`; a naive datetime is a bug upstream, not a guess."""
    if moment.tzinfo is None:
        raise ValueError("a naive datetime: every stored time is aware (UTC)")
    return moment.astimezone(zone)


def local_text(moment: datetime | date, zone: ZoneInfo, style: Style = "short") -> str:
    """`moment` as a person reads it in `zone`: "02 Dec 17:00 EST" (short), "17:00 EST" (time),
    "Wed 02 Dec 2026 17:00 EST" (long), "02 Dec 2026" (date), "Wed 02 Dec" (weekday).

    A calendar `date` (no time of day) is shown as it is, in a date style."""
    if not isinstance(moment, datetime):
        return moment.strftime(STYLES["date" if style in LABELLED else style])
    local = in_zone(moment, zone)
    text = local.strftime(STYLES[style])
    return f"{text} {local.tzname()}" if style in LABELLED else text


def local_title(moment: datetime, zone: ZoneInfo) -> str:
    """The full moment for a tooltip: date, seconds, zone label and name, and UTC."""
    local = in_zone(moment, zone)
    text = local.strftime("%a %d %b %Y %H:%M:%S ") + (local.tzname() or "")
    if zone.key == "UTC":
        return text
    return f"{text} ({zone.key}) · {moment.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S')} UTC"


def utc_iso(moment: datetime) -> str:
    """The machine-readable moment (a `<time datetime>`, `data-since`): ISO 8601 UTC, to the
    second ("2026-12-02T22:00:00+00:00", the form the REST API uses)."""
    return in_zone(moment, UTC_ZONE).isoformat(timespec="seconds")


def local_time(moment: datetime | date, zone: ZoneInfo, style: Style = "short") -> Markup:
    """`<time datetime="UTC" title="full">text</time>` for `moment`, the one shape on pages."""
    if not isinstance(moment, datetime):
        return Markup('<time datetime="{}">{}</time>').format(
            moment.isoformat(), local_text(moment, zone, style)
        )
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        utc_iso(moment), local_title(moment, zone), local_text(moment, zone, style)
    )


def local_input(moment: datetime, zone: ZoneInfo) -> str:
    """The value of a `datetime-local` input showing `moment` in `zone` ("2026-12-02T17:00")."""
    return in_zone(moment, zone).strftime(INPUT_FORMAT)


def parse_typed(text: str, zone: ZoneInfo) -> datetime:
    """A time a person typed, read in `zone`, as an aware UTC datetime.

    Takes what a `datetime-local` input sends ("2026-12-02T17:00") and what a person types
    ("2026-12-02 17:00", seconds allowed); a time that names its own offset keeps it.
    Around a change of clocks the wall time is read as zoneinfo's first reading (fold=0): a
    time in the hour skipped in spring takes the offset from before the change, so 02:30 on
    2026-03-08 in New York is 07:30 UTC (03:30 EDT); a time in the hour repeated in autumn is
    its first occurrence, so 01:30 on 2026-11-01 is 05:30 UTC (EDT, not EST).
    Raises `TypedTimeInvalid` for anything else."""
    try:
        typed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TypedTimeInvalid(TYPED_EXAMPLE) from None
    local = typed if typed.tzinfo else typed.replace(tzinfo=zone)
    return local.astimezone(UTC)


def zone_label(zone: ZoneInfo, now: datetime) -> str:
    """The zone as a page names it: "America/New_York (EST)", its label as of `now`."""
    label = in_zone(now, zone).tzname()
    return zone.key if label in (None, zone.key) else f"{zone.key} ({label})"
