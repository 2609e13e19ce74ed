"""A known history for the reports, built through the desk's own services (never rows written
behind them): five Rondesse calls around the org's midnight (America/New_York) and one
MyOperator call that no Rondesse report may show.

| call | line | agent | rang (UTC) | local day | answered after | ended | wrap-up |
|---|---|---|---|---|---|---|---|
| A | main | Ana | T0 (10:00 EST, Nov 25) | 25 | 15 s | +50 s | refused +60 s, accepted +120 s |
| B | main | Bo | T0+1h | 25 | 30 s | +100 s | accepted first try +160 s |
| P | psos (crypto) | Ana | T0+2h | 25 | 10 s | +200 s | accepted first try +300 s |
| C | psos | - | Nov 26 04:30 (23:30 EST Nov 25) | 25 | never | +45 s: missed | - |
| D | psos | - | Nov 26 05:10 (00:10 EST Nov 26) | 26 | never | +5 s: abandoned | - |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from personas import T0, World
from sopdesk.db import transaction
from sopdesk.desk import service as desk
from sopdesk.desk.calls import CallStatus
from sopdesk.desk.errors import DeskError
from sopdesk.desk.wrapup import wrap_up
from sopdesk.orgs.models import User
from web_helpers import ring

CRYPTO = {
    "concern": "Wallet drained after a fake support call",
    "caller_name": "Dee Carter",
    "cryptocurrency": "Bitcoin",
    "wallet_type": "Hardware",
    "amount": "0.5 BTC",
    "phone": "+1 415 555 2671",
    "email": "dee@example.com",
}
REPORT_NOW = T0 + timedelta(days=3)


@dataclass
class History:
    a: int
    b: int
    p: int
    c: int
    d: int
    e: int


def _s(at: datetime, seconds: int) -> datetime:
    return at + timedelta(seconds=seconds)


def _answered(
    factory: sessionmaker[Session], who: User, sid: str, label: str, at: datetime, wait: int
) -> int:
    iid = ring(factory, "rondesse", sid, at=at, label=label)
    with transaction(factory) as s:
        desk.accept(s, who, iid, _s(at, wait))
    return iid


def _end(factory: sessionmaker[Session], org: str, sid: str, at: datetime) -> None:
    ring(factory, org, sid, at=at, status=CallStatus.ENDED)


def _main_call(factory: sessionmaker[Session], who: User, iid: int, at: datetime) -> None:
    with transaction(factory) as s:
        for step in ("greet", "probe"):
            desk.set_step(s, who, iid, step, True, at)


def build_history(factory: sessionmaker[Session], world: World) -> History:
    ana, bo = world.agent_ana, world.agent_bo
    a = _answered(factory, ana, "rep-a", "Rondesse Main Number", T0, 15)
    _end(factory, "rondesse", "rep-a", _s(T0, 50))
    try:
        with transaction(factory) as s:
            wrap_up(s, ana, a, _s(T0, 60))  # nothing ticked: refused, and the refusal kept
    except DeskError as refused:
        assert refused.code == "documentation_missing"
    _main_call(factory, ana, a, _s(T0, 90))
    with transaction(factory) as s:
        desk.set_outcome(s, ana, a, True, _s(T0, 90))
        wrap_up(s, ana, a, _s(T0, 120))

    tb = T0 + timedelta(hours=1)
    b = _answered(factory, bo, "rep-b", "Rondesse Main Number", tb, 30)
    _end(factory, "rondesse", "rep-b", _s(tb, 100))
    _main_call(factory, bo, b, _s(tb, 120))
    with transaction(factory) as s:
        desk.set_outcome(s, bo, b, False, _s(tb, 120))
        wrap_up(s, bo, b, _s(tb, 160))

    tp = T0 + timedelta(hours=2)
    p = _answered(factory, ana, "rep-p", "Rondesse PSOS", tp, 10)
    with transaction(factory) as s:
        for step in ("mute", "listen"):
            desk.set_step(s, ana, p, step, True, _s(tp, 20))
        desk.record_scenario(s, ana, p, "crypto", CRYPTO, [], _s(tp, 30))
        desk.link_account(s, ana, p, world.account_id, _s(tp, 40))
        desk.set_summary(s, ana, p, "Stopped a transfer to a scam wallet", _s(tp, 50))
    _end(factory, "rondesse", "rep-p", _s(tp, 200))
    with transaction(factory) as s:
        wrap_up(s, ana, p, _s(tp, 300))

    tc = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)
    c = ring(factory, "rondesse", "rep-c", at=tc, label="Rondesse PSOS")
    _end(factory, "rondesse", "rep-c", _s(tc, 45))
    td = datetime(2026, 11, 26, 5, 10, tzinfo=UTC)
    d = ring(factory, "rondesse", "rep-d", at=td, label="Rondesse PSOS")
    _end(factory, "rondesse", "rep-d", _s(td, 5))

    e = ring(factory, "myoperator", "rep-e", at=_s(T0, 5), number="+91 22 4000 0000")
    with transaction(factory) as s:
        desk.accept(s, world.agent_priya, e, _s(T0, 6))
    return History(a=a, b=b, p=p, c=c, d=d, e=e)
