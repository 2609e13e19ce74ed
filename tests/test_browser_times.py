"""Times in Debian Chromium (issue 10): Ana, at Rondesse in New York, reads a task due at
22:00 UTC as 17:00 EST on the tasks page, and a follow-up she types in the leads form's
datetime-local input as 17:00 is stored as 22:00 UTC and shown back as 17:00 EST. No console
error, no CSP violation (Chromium reports both on the console)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from browser_kit import open_desk, server, world
from personas import T0, World
from sopdesk.crm import records
from sopdesk.crm.models import Task
from sopdesk.db import transaction

__all__ = ["server", "world"]  # fixtures, imported for pytest
DUE = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # 17:00 in New York; T0 is 10:00 there


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_ana_reads_and_types_times_in_new_york(
    browser: Any,
    server: str,
    session_factory: sessionmaker[Session],
    world: World,
    tmp_path: Path,
) -> None:
    with transaction(session_factory) as s:
        records.write_task(
            s,
            org_id="rondesse",
            title="Call Dee back",
            due_at=DUE,
            now=T0,
            assignee_id=world.agent_ana.id,
        )
        lead = records.write_lead(
            s, org_id="rondesse", stage="Hot", name="Jo Doe", phone=None, line="main", now=T0
        )
        s.flush()
        lead_id = lead.id
    page = open_desk(browser, server, world.agent_ana, "/tasks")
    problems = _watch(page)
    page.reload()  # watched from its first request
    due = page.locator("tr[data-task-id] .tasks__due")
    assert due.locator(".due__at").inner_text() == "25 Nov 17:00 EST"
    title = due.locator("time").get_attribute("title") or ""
    assert "17:00:00 EST (America/New_York) · 2026-11-25 22:00:00 UTC" in title
    page.screenshot(path=str(tmp_path / "tasks-times.png"))

    page.goto("/leads")
    page.click(f"#lead-tasks-{lead_id} summary")
    page.fill(f"#lead-task-title-{lead_id}", "Call Jo back")
    page.fill(f"#lead-task-due-{lead_id}", "2026-11-25T17:00")  # what Chromium's picker sends
    page.click(f"#lead-tasks-{lead_id} .lead-form--task button[type=submit]")
    task = page.locator(f"#lead-tasks-{lead_id} .lead-tasks__task", has_text="Call Jo back")
    task.wait_for(timeout=10_000)
    assert task.locator(".due__at").inner_text() == "25 Nov 17:00 EST"
    page.screenshot(path=str(tmp_path / "leads-times.png"))
    with session_factory() as s:
        stored = s.scalars(select(Task).where(Task.title == "Call Jo back")).one()
        assert stored.due_at == DUE
    assert problems == []
