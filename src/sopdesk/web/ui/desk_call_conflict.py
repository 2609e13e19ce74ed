"""The call screen's answer to a stale save (412 `stale`): what is stored beside what the agent
sent, field by field, for call_save.js to keep the agent's or take the stored one.

Only shaping: the desk service decides what is stale and names the fields (`desk.errors.stale`).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import HTMLResponse

from sopdesk.desk.errors import DeskError
from sopdesk.playbooks.language.schema import Playbook
from sopdesk.web.templating import render


@dataclass(frozen=True)
class ConflictRow:
    label: str | None  # the field's label; None for a box that is one text (the summary)
    name: str | None  # the form input it fills, for "take the stored one"
    theirs: str
    mine: str


@dataclass(frozen=True)
class Conflict:
    panel_id: str  # the empty placeholder the panel replaces (out of band)
    for_id: str  # the box: the summary textarea, or a scenario's form
    what: str  # "This summary", "Crypto Call"
    version: int | None  # the stored version: keeping mine writes over it
    rows: list[ConflictRow]


def render_conflict(request: Request, refused: DeskError, conflict: Conflict) -> HTMLResponse:
    return render(
        request, "desk/call_conflict.html", {"conflict": conflict}, status_code=refused.status
    )


def summary_conflict(request: Request, refused: DeskError, mine: str) -> HTMLResponse:
    """The summary stored elsewhere beside the one the agent sent."""
    stored = refused.fields[0]
    row = ConflictRow(None, None, stored.current or "", mine)
    conflict = Conflict(
        "summary-conflict", "call-summary", "This summary", stored.current_version, [row]
    )
    return render_conflict(request, refused, conflict)


def scenario_conflict(
    request: Request,
    refused: DeskError,
    playbook: Playbook,
    scenario_id: str,
    mine: dict[str, str],
) -> HTMLResponse:
    """Each field of a scenario's form stored elsewhere beside what the agent sent (`mine`: by
    field id, and "steps" for the ticked steps)."""
    scenario = playbook.scenario(scenario_id)
    assert scenario is not None  # refused as stale: the service found it on the call's line
    labels = {f.id: f.label for f in scenario.fields}
    rows = [
        ConflictRow(
            labels.get(p.field, "Steps done" if p.field == "steps" else p.field),
            f"f.{p.field}" if p.field in labels else None,
            p.current or "",
            mine.get(p.field, ""),
        )
        for p in refused.fields
    ]
    version = refused.fields[0].current_version if refused.fields else None
    what = f"The {scenario.name} form"
    conflict = Conflict(f"sc-{scenario_id}-conflict", f"sc-{scenario_id}-form", what, version, rows)
    return render_conflict(request, refused, conflict)
