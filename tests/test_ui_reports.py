"""The report pages: every report's charts over the tables of their numbers, the same figures
the API returns, filters kept in the links, and scoped like the API."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from reports_world import REPORT_NOW, History, build_history
from web_helpers import TestClock, login, make_app

RANGE = "from=2026-11-25&to=2026-11-25"


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def history(session_factory: sessionmaker[Session], world: World) -> History:
    return build_history(session_factory, world)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(db_url, TestClock(REPORT_NOW))) as c:
        yield c


def _cell(html: str, table: str, col: str) -> list[str]:
    body = html.split(f'id="table-{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(rf'data-col="{col}" data-value="([^"]*)"', body)


def test_every_report_page_draws_its_charts_over_its_tables(
    client: TestClient, world: World, history: History
) -> None:
    login(client, world.supervisor_sam)
    index = client.get(f"/reports?{RANGE}")
    assert index.status_code == 200
    assert "Service level (%)" in index.text and "50.0 %" in index.text
    for kind in ("volume", "handling", "documentation", "sla", "adherence"):
        page = client.get(f"/reports/{kind}?{RANGE}")
        assert page.status_code == 200, page.text
        assert "/static/vendor/chart.js/dist/chart.umd.min.js" in page.text
        for table in re.findall(r'data-table="table-([a-z_]+)"', page.text):
            assert f'id="table-{table}"' in page.text  # each chart's numbers are on the page
        assert f"/api/v1/reports/{kind}?from=2026-11-25&amp;to=2026-11-25&amp;format=csv" in (
            page.text
        )
    volume = client.get(f"/reports/volume?{RANGE}&line=psos").text
    assert _cell(volume, "by_line", "line_id") == ["psos"]
    assert _cell(volume, "by_line", "missed") == ["1"]
    assert 'value="psos" selected' in volume
    assert "line=psos" in volume.split('class="report-tabs"', 1)[1]


def test_an_agent_sees_their_own_calls_and_olga_none_of_rondesse(
    client: TestClient, world: World, history: History
) -> None:
    login(client, world.agent_bo)
    page = client.get(f"/reports/volume?{RANGE}").text
    assert _cell(page, "by_agent", "agent_name") == ["Bo Lind"]
    assert 'name="agent"' not in page  # no agent filter offered to an agent
    client.post("/logout", data={})
    client.cookies.clear()
    login(client, world.other_org_olga)
    page = client.get(f"/reports/handling?{RANGE}").text
    assert "Ana Reyes" not in page and "Main Hotline" not in page


def test_the_adherence_page_links_each_element_to_its_sop_sentence_and_calls(
    client: TestClient, world: World, history: History
) -> None:
    login(client, world.supervisor_sam)
    page = client.get(f"/reports/adherence?{RANGE}").text
    assert "R20: 2. Intervene when you feel" in page  # the SOP sentence behind psos · intervene
    assert f'<a href="/calls/{history.p}">#{history.p}</a>' in page  # an example call
    assert _cell(page, "elements", "label")[0] == "psos · intervene"  # most skipped first
