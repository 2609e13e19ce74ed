"""Which charts each report page draws, from which of its tables (pure data).

`static/reports.js` draws each chart from the table shown under it (the numbers behind the chart
are the table itself, one click away); series are told apart by line dash and point shape as
well as colour, and a p90 is a marker over its median's bar.
"""

from __future__ import annotations

from dataclasses import dataclass

from sopdesk.reports.service import ReportKind


@dataclass(frozen=True)
class ChartSpec:
    title: str
    table: str  # the report table it is drawn from
    x: str  # the column along the category axis
    series: tuple[str, ...]  # columns drawn as bars (or lines when `kind` is line)
    kind: str = "bar"  # bar | line
    markers: tuple[str, ...] = ()  # columns drawn as markers (p90 over a median)
    pivot: str | None = None  # a column whose values become the series (one series column)
    unit: str = ""  # s | % | ""
    horizontal: bool = False
    limit: int | None = None  # draw the table's first rows only (it is ranked)


CHARTS: dict[ReportKind, tuple[ChartSpec, ...]] = {
    ReportKind.VOLUME: (
        ChartSpec("Calls per day, by line", "by_day", "day", ("calls",), "line", pivot="line_id"),
        ChartSpec(
            "Calls per hour of the day, by line",
            "by_hour",
            "hour",
            ("calls",),
            "line",
            pivot="line_id",
        ),
        ChartSpec(
            "Answered within the line's target",
            "by_line",
            "line_name",
            ("service_level",),
            unit="%",
        ),
        ChartSpec(
            "Calls answered per agent",
            "by_agent",
            "agent_name",
            ("answered", "answered_in_target"),
            horizontal=True,
        ),
    ),
    ReportKind.HANDLING: (
        ChartSpec(
            "Handle time by line (bar: median, ▲: p90)",
            "by_line",
            "name",
            ("handle_median",),
            markers=("handle_p90",),
            unit="s",
        ),
        ChartSpec(
            "After-call work by agent (bar: median, ▲: p90)",
            "by_agent",
            "name",
            ("after_call_work_median",),
            markers=("after_call_work_p90",),
            unit="s",
        ),
        ChartSpec(
            "Handle time by playbook version",
            "by_playbook_version",
            "name",
            ("handle_median",),
            markers=("handle_p90",),
            unit="s",
        ),
    ),
    ReportKind.DOCUMENTATION: (
        ChartSpec(
            "What refused wrap-ups were missing", "missing", "place", ("times",), horizontal=True
        ),
        ChartSpec(
            "Records written against owed (■: owed)",
            "records",
            "kind",
            ("written",),
            markers=("owed",),
        ),
        ChartSpec(
            "Hand-off tasks by team",
            "handoffs",
            "team",
            ("done_on_time", "done_late", "open_overdue", "open_in_time"),
        ),
    ),
    ReportKind.SLA: (
        ChartSpec("Tickets by team", "by_team", "team", ("met", "breached", "running")),
        ChartSpec("Tickets per day", "by_day", "day", ("received", "breached", "reminded"), "line"),
        ChartSpec(
            "First response by team (bar: median, ▲: p90)",
            "by_team",
            "team",
            ("first_response_median",),
            markers=("first_response_p90",),
            unit="s",
        ),
    ),
    ReportKind.ADHERENCE: (
        ChartSpec(
            "The 12 elements skipped most often",
            "elements",
            "label",
            ("done", "skipped", "refused"),
            horizontal=True,
            limit=12,
        ),
    ),
}

TITLES = {
    ReportKind.VOLUME: "Volume and service",
    ReportKind.HANDLING: "Handling",
    ReportKind.DOCUMENTATION: "Documentation compliance",
    ReportKind.SLA: "SLA",
    ReportKind.ADHERENCE: "Adherence by SOP sentence",
}

# Columns whose values are shares (0..1), shown as percentages, and seconds.
_SHARE_SUFFIXES = ("service_level", "_share")


def column_label(name: str) -> str:
    """`speed_of_answer_median` -> "Speed of answer median (s)"; a share gets (%)."""
    text = name.replace("_", " ").capitalize()
    if name.endswith(("_median", "_p90", "_mean")) and not name.startswith("calls"):
        return f"{text} (s)"
    if name.endswith(_SHARE_SUFFIXES):
        return f"{text} (%)"
    return text


def cell_text(column: str, value: object) -> str:
    """How a cell reads in the table: shares as percentages, nothing as a dash."""
    if value is None:
        return "\u2013"  # an en dash
    if column.endswith(_SHARE_SUFFIXES) and isinstance(value, int | float):
        return f"{value * 100:.1f} %"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
