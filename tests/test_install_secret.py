"""No shared secret: without SOPDESK_SECRET_KEY each installation signs its sessions with its
own random key, kept beside the database; a cookie forged with the published development
constant is refused; the constant is refused on any address but loopback."""

from __future__ import annotations

import json
import stat
from base64 import b64encode
from pathlib import Path

import itsdangerous
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from personas import World, build_world
from sopdesk.settings import DEV_SECRET, Settings
from sopdesk.web.app import create_app
from sopdesk.web.install_secret import (
    UnsafeSecret,
    check_serving,
    installation_secret,
    secret_path,
)
from web_helpers import TestClock, login


def _cookie(secret: str, user_id: int) -> str:
    data = b64encode(json.dumps({"user_id": user_id}).encode())
    return itsdangerous.TimestampSigner(secret).sign(data).decode()


def test_each_installation_makes_its_own_key_beside_its_database(tmp_path: Path) -> None:
    one = Settings(database_url=f"sqlite:///{tmp_path / 'a' / 'desk.db'}")
    other = Settings(database_url=f"sqlite:///{tmp_path / 'b' / 'desk.db'}")
    key = installation_secret(one)
    path = secret_path(one)
    assert path == tmp_path / "a" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key != DEV_SECRET and len(key) >= 32
    assert installation_secret(one) == key  # found again after a restart
    assert installation_secret(other) != key
    assert installation_secret(Settings(secret_key="s" * 32, database_url=one.database_url)) == (
        "s" * 32
    )


def test_a_session_forged_with_the_published_constant_is_refused(
    db_url: str,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world: World = build_world(session_factory)
    settings = Settings(database_url=db_url)
    assert settings.secret_key == DEV_SECRET  # nothing set: the installation's own key is used
    monkeypatch.setattr("sopdesk.web.install_secret.secret_path", lambda _s: tmp_path / "key")
    with TestClient(create_app(settings, clock=TestClock())) as client:
        assert login(client, world.supervisor_sam).status_code == 303
        real = client.cookies["sopdesk_session"]
        key = (tmp_path / "key").read_text().strip()
        payload = itsdangerous.TimestampSigner(key).unsign(real)  # what the desk signed
        assert client.get("/queue", follow_redirects=False).status_code == 200
        # The same session, signed with the constant published in the source: refused.
        client.cookies.clear()
        client.cookies.set(
            "sopdesk_session", itsdangerous.TimestampSigner(DEV_SECRET).sign(payload).decode()
        )
        forged = client.get("/queue", follow_redirects=False)
        assert forged.status_code == 303 and "/login" in forged.headers["location"]


def test_the_published_constant_is_refused_beyond_loopback() -> None:
    check_serving(Settings(host="127.0.0.1"), DEV_SECRET)  # a developer's own machine
    with pytest.raises(UnsafeSecret, match=r"refusing to serve on 0\.0\.0\.0"):
        check_serving(Settings(host="0.0.0.0"), DEV_SECRET)
    check_serving(Settings(host="0.0.0.0"), "a-key-of-this-installation-0123456789")
