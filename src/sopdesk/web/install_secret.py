"""The key that signs session cookies (and the CSRF token inside them), per installation.

Without SOPDESK_SECRET_KEY a desk used to sign with a constant published in the repository, so
anyone could forge a session for any user of any org. Now a random key is made on first start
and kept beside the database (`secret_key`, readable by its owner only; never in the
repository), and the same installation finds it again after a restart. A desk serving beyond
loopback with the published constant refuses to start.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from sopdesk.settings import DEV_SECRET, Settings, checkout_root

FILE_NAME = "secret_key"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class UnsafeSecret(RuntimeError):
    """The published development secret, asked to serve other hosts."""


def secret_path(settings: Settings) -> Path:
    """Beside a SQLite database; for a server database, in the checkout's (or cwd's) var/."""
    url = settings.database_url
    if url.startswith("sqlite") and "///" in url:
        path = url.split("///", 1)[1]
        if path and path != ":memory:":
            return Path(path).resolve().parent / FILE_NAME
    return (checkout_root() or Path.cwd()) / "var" / FILE_NAME


def _read(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    return text if len(text) >= 32 else None


def _create(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once agree on one key (the loser reads the winner's).
    with contextlib.suppress(FileExistsError):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(key + "\n")
        return key
    found = _read(path)
    if found is None:
        raise UnsafeSecret(f"{path} exists but holds no usable key: delete it or fix it")
    return found


def installation_secret(settings: Settings) -> str:
    """The signing key: SOPDESK_SECRET_KEY when set, else this installation's own."""
    if settings.secret_key != DEV_SECRET:
        return settings.secret_key
    path = secret_path(settings)
    return _read(path) or _create(path)


def check_serving(settings: Settings, secret: str) -> None:
    """Refuse the published development secret on any address other than loopback."""
    if secret == DEV_SECRET and (settings.production or settings.host not in LOOPBACK_HOSTS):
        raise UnsafeSecret(
            f"refusing to serve on {settings.host} with the published development secret: "
            "unset SOPDESK_SECRET_KEY (a key is then made for this installation) or set your own"
        )
