"""The report pages in Chromium under the strict CSP: Chart.js (from the npm install) draws each
chart from the table under it, the numbers open with one click, no console error or CSP
violation. With SOPDESK_SCREENSHOTS=1 the pages are kept in docs/screenshots/."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from browser_kit import SCREENSHOTS, open_desk, server, world
from personas import World
from reports_world import build_history

__all__ = ["server", "world"]  # fixtures, imported for pytest
RANGE = "from=2026-11-25&to=2026-11-26"
# Non-white pixels of a canvas: a drawn chart has many, an empty canvas none.
INKED = """(canvas) => {
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i + 3] && data[i] < 200) inked++;
  return inked;
}"""


def _shots(tmp_path: Path) -> Path:
    if os.environ.get("SOPDESK_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path


def test_the_volume_report_draws_charts_with_their_numbers_a_click_away(
    browser: Any,
    server: str,
    session_factory: sessionmaker[Session],
    world: World,
    tmp_path: Path,
) -> None:
    build_history(session_factory, world)
    page = open_desk(browser, server, world.supervisor_sam, "/reports")
    page.goto(f"/reports/volume?{RANGE}")
    page.wait_for_selector("figure[data-drawn]")
    figures = page.locator("figure[data-chart]")
    assert figures.count() == 4
    per_day = figures.nth(0)
    assert per_day.get_attribute("data-drawn") == "2"  # one series per line: main, psos
    assert per_day.locator("canvas").evaluate(INKED) > 500
    numbers = page.locator("details.report-numbers").nth(1)  # the second chart's, closed
    assert not numbers.locator("table").is_visible()
    numbers.locator("summary").click()
    hour_table = numbers.locator("table")
    assert hour_table.is_visible()
    assert hour_table.locator("th").first.text_content() == "Hour"
    page.screenshot(path=str(_shots(tmp_path) / "reports-volume.png"), full_page=True)

    page.goto(f"/reports/handling?{RANGE}")
    page.wait_for_selector("figure[data-drawn]")
    by_line = page.locator("figure[data-chart]").first
    assert by_line.get_attribute("data-drawn") == "2"  # the median bars and the p90 markers
    assert by_line.locator("canvas").evaluate(INKED) > 200
    page.goto(f"/reports/adherence?{RANGE}")
    page.wait_for_selector("figure[data-drawn]")
    assert page.locator("figure[data-chart] canvas").first.evaluate(INKED) > 200
    page.screenshot(path=str(_shots(tmp_path) / "reports-adherence.png"), full_page=True)
    page.goto(f"/reports?{RANGE}")
    assert page.locator(".report-figures").count() == 5
    page.screenshot(path=str(_shots(tmp_path) / "reports-overview.png"), full_page=True)
