"""The call screen as an agent sees it: the opening (greeting with her name, or MUTED), steps,
scenario forms with the engine's errors next to each field, the wrap-up panel that refuses
until nothing is missing, and the live refresh."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World, build_world
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.kb.service import import_folder
from web_helpers import later, login, make_app, ring

ROOT = Path(__file__).resolve().parents[1]
LEGAL = "client-asks-for-legal-or-accounts"

CRYPTO = {
    "f.concern": "Pressed to move savings into a 'safe' wallet",
    "f.caller_name": "Dee Carter",
    "f.cryptocurrency": "Bitcoin",
    "f.wallet_type": "Exchange / custodial",
    "f.amount": "12000",
    "f.phone": "+1 415 555 2671",
    "f.email": "dee@example.com",
}


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> World:
    return build_world(session_factory)


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    app = make_app(db_url)
    app.state.clock = lambda: later(95)
    with TestClient(app) as c:
        yield c


def _headers(client: TestClient, user: object) -> dict[str, str]:
    login(client, user)  # type: ignore[arg-type]
    page = client.get("/queue").text
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', page)
    assert token
    return {"X-CSRF-Token": token.group(1), "HX-Request": "true"}


def _error_of(html: str, scenario: str, field: str) -> str:
    match = re.search(rf'id="err-{scenario}-{field}"[^>]*>([^<]*)</p>', html)
    assert match, f"no error element for {scenario}.{field}"
    return match.group(1)


def test_psos_pops_muted_with_urgency_in_words_and_a_take_call_button(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "rondesse", "p1", label="Rondesse PSOS", caller_name="Dee Carter")
    _headers(client, world.agent_ana)
    html = client.get(f"/calls/{iid}").text
    assert 'class="urgency urgency--critical"' in html and ">Highest</span>" in html
    assert "MUTED · LISTEN ONLY" in html and "do not deliver an opening spiel" in html
    assert "opening__greeting" not in html  # nothing to say on a muted line
    assert 'id="take-call"' in html and 'data-shortcut="a"' in html and 'data-shortcut="w"' in html
    assert ">Ringing</span>" in html and 'data-since="' in html
    # Steps as a checklist, the wrap-up panel with what is owed, the live refresh.
    assert f'hx-put="/calls/{iid}/steps/mute"' in html
    assert "Step not done: Place yourself on MUTE" in html
    assert "Link the customer&#39;s account" in html
    kinds = "sse:interaction.updated, sse:interaction.closed, sse:interaction.missed, sse:resync"
    assert f'hx-trigger="{kinds}"' in html
    assert 'id="assist"' in html  # where the knowledge base's suggestions go
    for scenario in ("law_enforcement", "crypto", "irs"):
        assert f'id="sc-{scenario}"' in html


def test_main_number_greets_with_the_agents_own_name_once_she_takes_it(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "rondesse", "m1", label="Rondesse Main Number")
    htmx = _headers(client, world.agent_ana)
    taken = client.post(f"/calls/{iid}/accept", headers=htmx)
    assert taken.status_code == 200
    assert "I&#39;m Ana Reyes, how can I help?" in taken.text
    assert 'id="call-header"' in taken.text and 'hx-swap-oob="true"' in taken.text
    assert 'id="take-call"' not in taken.text and ">On call</span>" in taken.text
    # Bo cannot take Ana's call: the reason shows inline, with 409.
    bo = _headers(client, world.agent_bo)
    refused = client.post(f"/calls/{iid}/accept", headers=bo)
    assert refused.status_code == 409 and "Ana Reyes already has this call" in refused.text
    assert 'id="call-flash"' in refused.text


def test_an_unknown_line_rings_with_its_warning_visible(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "rondesse", "u1", label="Some Other Queue")
    _headers(client, world.agent_ana)
    html = client.get(f"/calls/{iid}").text
    assert "Unrecognised line" in html and "flag flag--warning" in html
    assert "&#39;Some Other Queue&#39; is not one of Rondesse&#39;s lines" in html


def test_ticking_a_step_and_answering_a_choice_refresh_the_regions(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "rondesse", "m2", label="Rondesse Main Number")
    htmx = _headers(client, world.agent_ana)
    assert client.post(f"/calls/{iid}/accept", headers=htmx).status_code == 200  # hers first
    ticked = client.put(f"/calls/{iid}/steps/greet", data={"done": "true"}, headers=htmx).text
    assert re.search(r'id="step-box-greet"[^>]*checked', ticked, re.S)
    assert "Step not done: Answer the call with the greeting" not in ticked
    answer = {"step": "outcome", "answer": "No, not converted (add as a Hot lead)"}
    answered = client.post(f"/calls/{iid}/answers", data=answer, headers=htmx).text
    assert 'aria-pressed="true"' in answered and "Lead, stage Hot" in answered
    unticked = client.put(f"/calls/{iid}/steps/greet", headers=htmx).text  # unchecked: no done
    assert "Step not done: Answer the call with the greeting" in unticked
    bad = client.post(f"/calls/{iid}/answers", data={**answer, "answer": "Maybe"}, headers=htmx)
    assert bad.status_code == 422 and "is not an answer of step" in bad.text


def test_scenario_errors_show_next_to_each_field_until_fixed(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "rondesse", "p2", label="Rondesse PSOS")
    htmx = _headers(client, world.agent_ana)
    assert client.post(f"/calls/{iid}/accept", headers=htmx).status_code == 200  # hers first
    saved = client.put(f"/calls/{iid}/scenarios/crypto", data=CRYPTO, headers=htmx)
    assert saved.status_code == 200
    assert _error_of(saved.text, "crypto", "amount").startswith("the amount needs a currency")
    assert _error_of(saved.text, "crypto", "email") == ""
    assert "1 to complete" in saved.text
    # What was typed is kept, invalid or not: the page shows it back.
    page = client.get(f"/calls/{iid}").text
    assert 'id="f-crypto-amount" name="f.amount" value="12000"' in page
    assert "<option selected>Exchange / custodial</option>" in page
    assert re.search(r'<details id="sc-crypto" class="scenario" open>', page)
    fixed = client.put(
        f"/calls/{iid}/scenarios/crypto", data={**CRYPTO, "f.amount": "12000 USD"}, headers=htmx
    )
    assert _error_of(fixed.text, "crypto", "amount") == ""
    assert "✓ Complete" in fixed.text
    unknown = client.put(f"/calls/{iid}/scenarios/tax_fraud", data=CRYPTO, headers=htmx)
    assert unknown.status_code == 422 and "cannot arise on this line" in unknown.text


def test_the_call_screen_names_fields_by_their_labels_never_their_ids(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "rondesse", "p-labels", label="Rondesse PSOS")
    login(client, world.agent_ana)
    page = client.get(f"/calls/{iid}").text
    needs = (
        "Needs: What the concern is about, Caller name, Involved cryptocurrency, "
        "Crypto wallet type, Amount and currency, Phone number, Email."
    )
    assert needs in page, re.findall(r"Needs: [^<]*", page)
    assert "Needs: concern, caller name" not in page


def test_wrap_up_is_refused_with_what_is_missing_then_writes_the_records(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "rondesse", "p3", label="Rondesse PSOS")
    htmx = _headers(client, world.agent_ana)
    client.post(f"/calls/{iid}/accept", headers=htmx)
    for step in ("mute", "listen"):
        client.put(f"/calls/{iid}/steps/{step}", data={"done": "true"}, headers=htmx)
    client.put(f"/calls/{iid}/scenarios/crypto", data=CRYPTO, headers=htmx)
    refused = client.post(f"/calls/{iid}/wrap-up", headers=htmx)
    assert refused.status_code == 422
    assert "Wrap-up refused: the call cannot be wrapped up yet." in refused.text
    assert '<a href="#account-q">Link the customer&#39;s account' in refused.text
    amount = '<a href="#f-crypto-amount">Crypto Call: Amount and currency: the amount needs a'
    assert amount in refused.text
    results = client.get(f"/calls/{iid}/accounts", params={"q": "carter"}, headers=htmx).text
    assert "Dee Carter" in results and f'"account_id": "{world.account_id}"' in results
    linked = client.put(
        f"/calls/{iid}/account", data={"account_id": world.account_id}, headers=htmx
    )
    assert f'href="/accounts/{world.account_id}">Dee Carter</a>' in linked.text
    client.put(
        f"/calls/{iid}/scenarios/crypto", data={**CRYPTO, "f.amount": "12000 USD"}, headers=htmx
    )
    client.put(f"/calls/{iid}/summary", data={"summary": "Scam stopped"}, headers=htmx)
    ready = client.get(f"/calls/{iid}").text
    assert "Nothing is missing." in ready and "Wrap up and write 4 records" in ready
    done = client.post(f"/calls/{iid}/wrap-up", headers=htmx)
    assert done.status_code == 204 and done.headers["hx-redirect"] == f"/calls/{iid}"
    closed = client.get(f"/calls/{iid}").text
    assert "These records were written:" in closed
    for record in ("Call log #", "Note #", "Task #"):
        assert record in closed
    assert "Business Analyst to reach out to the crypto caller" in closed
    assert 'id="wrap-up"' not in closed and "<fieldset" in closed and "disabled" in closed
    again = client.put(f"/calls/{iid}/summary", data={"summary": "late"}, headers=htmx)
    assert again.status_code == 409 and "already wrapped up" in again.text


def test_the_live_refresh_answers_204_until_the_call_changes(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "rondesse", "p4", label="Rondesse PSOS")
    _headers(client, world.agent_ana)
    page = client.get(f"/calls/{iid}").text
    token = re.search(r'id="call-since" name="since" value="([0-9a-f]+)"', page)
    assert token
    assert client.get(f"/calls/{iid}/live", params={"since": token.group(1)}).status_code == 204
    with transaction(session_factory) as s:
        desk.accept(s, world.agent_bo, iid, later(30))
    fresh = client.get(f"/calls/{iid}/live", params={"since": token.group(1)})
    assert fresh.status_code == 200 and "Bo Lind" in fresh.text
    assert "Thank you" not in fresh.text  # PSOS stays muted whoever takes it


def test_a_team_member_follows_the_call_but_cannot_act(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "rondesse", "p5", label="Rondesse PSOS")
    htmx = _headers(client, world.lawyer_lee)
    html = client.get(f"/calls/{iid}").text
    assert "only agents and supervisors act on it" in html
    assert 'id="take-call"' not in html and 'id="wrap-up"' not in html
    assert client.post(f"/calls/{iid}/accept", headers=htmx).status_code == 403


def test_myoperator_legal_request_is_faq_first_then_email_only(
    client: TestClient, session_factory: sessionmaker[Session], world: World
) -> None:
    iid = ring(session_factory, "myoperator", "mo1", number="+91 22 4000 0000")
    htmx = _headers(client, world.agent_priya)
    page = client.get(f"/calls/{iid}").text
    assert "Client asks for the Legal or Accounts team" in page
    assert "FAQ not tried yet" in page and "Ask to email Legal" in page
    assert "Email only." in page and "legal@myoperator.co" in page
    assert "Never by phone:" in page and "transfer the call" in page
    assert "Transfer" not in page  # no phone transfer is offered
    assert client.post(f"/calls/{iid}/accept", headers=htmx).status_code == 200  # hers first
    early = client.post(
        f"/calls/{iid}/escalations",
        data={"policy": "legal_accounts_by_email", "team": "legal"},
        headers=htmx,
    ).text
    # Refused at once, naming the precondition: no hand-off is promised before an FAQ.
    assert "✓ Asked to email Legal" not in early
    assert "the policy escalates only after an FAQ was tried" in early
    # "FAQ tried" must name an article of the org's: none, or one made up, satisfies nothing.
    for made_up in ("", "faq", "we-talked-about-it"):
        refused = client.post(f"/calls/{iid}/faq-tried", data={"article": made_up}, headers=htmx)
        assert "is not an article of this org" in refused.text, made_up
        assert "✓ FAQ tried" not in refused.text
    still_early = client.post(
        f"/calls/{iid}/escalations",
        data={"policy": "legal_accounts_by_email", "team": "legal"},
        headers=htmx,
    ).text
    assert "the policy escalates only after an FAQ was tried" in still_early
    with transaction(session_factory) as s:
        import_folder(s, "myoperator", ROOT / "playbooks/myoperator/articles", T0, by="test")
    page = client.get(f"/calls/{iid}").text
    assert f'<option value="{LEGAL}">' in page  # the panel offers the org's articles
    tried = client.post(f"/calls/{iid}/faq-tried", data={"article": LEGAL}, headers=htmx).text
    assert "✓ FAQ tried" in tried
    asked = client.post(
        f"/calls/{iid}/escalations",
        data={"policy": "legal_accounts_by_email", "team": "legal"},
        headers=htmx,
    ).text
    assert "✓ Asked to email Legal" in asked and "faq tried before escalating" not in asked
