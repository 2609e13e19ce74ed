"""The one rule for times people read and type (`sopdesk.web.localtime`): shown in the org's
zone with its label, typed in that zone and stored in UTC, across changes of clocks and at
odd offsets; and no template formats a time by hand."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sopdesk.playbooks.language.loader import PlaybookError, load_text
from sopdesk.web import localtime
from sopdesk.web.localtime import (
    TypedTimeInvalid,
    local_input,
    local_text,
    local_time,
    local_title,
    parse_typed,
    utc_iso,
    zone_label,
)
from sopdesk.web.templating import templates

NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")
ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "src" / "sopdesk" / "web"
DUE = datetime(2026, 12, 2, 22, 0, tzinfo=UTC)  # the "due 02 Dec 22:00"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[arg-type]


def test_a_time_is_shown_in_the_zone_with_its_label() -> None:
    assert local_text(DUE, NEW_YORK, "time") == "17:00 EST"
    assert local_text(DUE, NEW_YORK) == "02 Dec 17:00 EST"
    assert local_text(DUE, NEW_YORK, "long") == "Wed 02 Dec 2026 17:00 EST"
    assert local_text(DUE, NEW_YORK, "date") == "02 Dec 2026"  # a date carries no label
    assert local_text(DUE, NEW_YORK, "weekday") == "Wed 02 Dec"
    assert local_text(DUE, localtime.UTC_ZONE, "time") == "22:00 UTC"


def test_the_time_element_carries_utc_and_a_full_title() -> None:
    html = local_time(DUE, NEW_YORK, "time")
    assert html == (
        '<time datetime="2026-12-02T22:00:00+00:00" title="Wed 02 Dec 2026 17:00:00 EST '
        '(America/New_York) · 2026-12-02 22:00:00 UTC">17:00 EST</time>'
    )
    assert local_title(DUE, localtime.UTC_ZONE) == "Wed 02 Dec 2026 22:00:00 UTC"  # no echo
    assert utc_iso(DUE.astimezone(KOLKATA)) == "2026-12-02T22:00:00+00:00"  # whatever its zone
    assert utc_iso(DUE + timedelta(microseconds=450)) == "2026-12-02T22:00:00+00:00"


def test_a_calendar_date_is_shown_as_it_is() -> None:
    # The payment cycle's "initiated on": a day in the cycle's zone, not a moment to convert.
    html = local_time(date(2026, 12, 1), KIRITIMATI, "weekday")
    assert html == '<time datetime="2026-12-01">Tue 01 Dec</time>'


def test_a_naive_datetime_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_text(datetime(2026, 12, 2, 22, 0), NEW_YORK)
    with pytest.raises(ValueError, match="naive"):
        utc_iso(datetime(2026, 12, 2, 22, 0))


def test_new_york_springs_forward_on_2026_03_08() -> None:
    assert local_text(utc(2026, 3, 8, 6, 59), NEW_YORK, "time") == "01:59 EST"
    assert local_text(utc(2026, 3, 8, 7, 0), NEW_YORK, "time") == "03:00 EDT"
    assert parse_typed("2026-03-08T01:30", NEW_YORK) == utc(2026, 3, 8, 6, 30)
    assert parse_typed("2026-03-08T03:30", NEW_YORK) == utc(2026, 3, 8, 7, 30)
    # 02:30 never happens that night: read with the offset before the change (03:30 EDT).
    skipped = parse_typed("2026-03-08T02:30", NEW_YORK)
    assert skipped == utc(2026, 3, 8, 7, 30)
    assert local_text(skipped, NEW_YORK, "time") == "03:30 EDT"


def test_new_york_falls_back_on_2026_11_01() -> None:
    first, second = utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30)
    # The same wall time twice, told apart by its label.
    assert local_text(first, NEW_YORK, "time") == "01:30 EDT"
    assert local_text(second, NEW_YORK, "time") == "01:30 EST"
    assert parse_typed("2026-11-01T01:30", NEW_YORK) == first  # the first occurrence
    assert parse_typed("2026-11-01T02:30", NEW_YORK) == utc(2026, 11, 1, 7, 30)
    assert zone_label(NEW_YORK, first) == "America/New_York (EDT)"
    assert zone_label(NEW_YORK, second) == "America/New_York (EST)"


def test_kolkata_is_five_and_a_half_hours_ahead() -> None:
    assert local_text(DUE, KOLKATA, "long") == "Thu 03 Dec 2026 03:30 IST"
    assert parse_typed("2026-12-03T03:30", KOLKATA) == DUE
    assert local_input(DUE, KOLKATA) == "2026-12-03T03:30"


def test_kiritimati_is_fourteen_hours_ahead_and_a_day_later() -> None:
    assert local_text(DUE, KIRITIMATI, "long") == "Thu 03 Dec 2026 12:00 +14"
    assert local_text(DUE, KIRITIMATI, "date") == "03 Dec 2026"
    assert parse_typed("2026-12-03T12:00", KIRITIMATI) == DUE
    assert zone_label(KIRITIMATI, DUE) == "Pacific/Kiritimati (+14)"


@pytest.mark.parametrize("zone", [NEW_YORK, KOLKATA, KIRITIMATI, localtime.UTC_ZONE])
def test_what_an_input_shows_reads_back_as_the_same_moment(zone: ZoneInfo) -> None:
    # Every 37 minutes across both of New York's changes of clocks in 2026.
    for start in (utc(2026, 3, 7, 12, 0), utc(2026, 10, 31, 12, 0)):
        for step in range(80):
            moment = start + timedelta(minutes=37 * step)
            # The hour repeated in autumn shows the same wall time twice: it reads as the first.
            repeated = moment.astimezone(zone).fold == 1
            expected = moment - timedelta(hours=1) if repeated else moment
            assert parse_typed(local_input(moment, zone), zone) == expected, moment


def test_typed_text_people_write_is_read_and_the_rest_refused() -> None:
    assert parse_typed(" 2026-12-02 17:00 ", NEW_YORK) == DUE
    assert parse_typed("2026-12-02T17:00:00", NEW_YORK) == DUE
    assert parse_typed("2026-12-02T22:00+00:00", NEW_YORK) == DUE  # its own offset is kept
    assert parse_typed("2026-12-02T17:00", NEW_YORK).tzinfo is UTC
    for text in ("Monday", "", "17:00", "2026-13-02T17:00"):
        with pytest.raises(TypedTimeInvalid, match="a date and time, like"):
            parse_typed(text, NEW_YORK)


def test_the_templates_filters_show_utc_labelled_outside_a_request() -> None:
    # Rendered outside `templating.render` (no reader): UTC, and it says so.
    page = templates.env.from_string("{{ m | local_time('time') }} {{ m | local_text }}")
    assert page.render(m=DUE).endswith(">22:00 UTC</time> 02 Dec 22:00 UTC")


def test_no_template_or_page_module_formats_a_time_by_hand() -> None:
    """Every time shown goes through localtime's filters; "UTC" in a page is a label it adds.
    (A page module may still write `isoformat()` for a machine: the call screen's change token.)"""
    in_templates = re.compile(r"strftime|isoformat\(|astimezone|\bUTC\b")
    in_modules = re.compile(r"strftime|astimezone|\bUTC\b")
    found = [
        f"{path.relative_to(WEB)}:{number}: {line.strip()}"
        for pattern, paths in (
            (in_templates, WEB.glob("templates/**/*.html")),
            (in_modules, WEB.glob("ui/*.py")),
        )
        for path in paths
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, "format times with the localtime filters:\n" + "\n".join(found)


def test_a_playbook_with_a_misspelt_zone_is_refused_at_its_line() -> None:
    """Every page shows times in the org's zone: a zone ZoneInfo cannot read fails the
    playbook's load (and so lint and publish), not each page later."""
    text = (ROOT / "playbooks" / "rondesse" / "playbook.yaml").read_text()
    assert "timezone: America/New_York" in text
    with pytest.raises(PlaybookError) as refused:
        load_text(text.replace("America/New_York", "America/Nueva_York"), "playbook.yaml")
    (finding,) = refused.value.findings
    assert "unknown time zone 'America/Nueva_York'" in str(finding)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "timezone:" in t)
    assert str(finding).startswith(f"playbook.yaml:{line}:")  # the line of org.timezone
