"""Before a desk serves: no other desk serves its SQLite file, and its ports are free.

Checked before anything is printed, written or deleted, so a second `make run` says what is in
the way instead of wiping or seeding the database under the first desk. The database check is
an advisory lock (`flock`) on a file beside the database (`var/sopdesk.db.lock`), held by the
serving process for its whole life: the kernel drops it when the process ends, however it
ends, so a crashed desk never leaves a stale lock behind. PostgreSQL has no such file; several
workers on one PostgreSQL database are a normal deployment.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sopdesk.db import sqlite_file


class DatabaseInUse(RuntimeError):
    """Another desk serves this SQLite file; `holder` is what it wrote in the lock file."""

    def __init__(self, database: Path, holder: str) -> None:
        self.database = database
        self.holder = holder
        by = f" ({holder})" if holder else ""
        super().__init__(f"{database} is being served by another sopdesk{by}")


class PortBusy(RuntimeError):
    """`host:port` cannot be listened on; `what` is "HTTP" or "SMTP"."""

    def __init__(self, what: str, host: str, port: int, reason: str) -> None:
        self.what, self.host, self.port = what, host, port
        super().__init__(f"the {what} port {port} on {host} is busy ({reason})")


@dataclass
class DeskClaim:
    """What a desk holds until it stops: the database's lock and the bound HTTP socket."""

    http: socket.socket | None = None
    lock: IO[str] | None = None
    database: Path | None = None  # the SQLite file locked, None for PostgreSQL

    def release(self) -> None:
        """Close the socket and drop the lock (idempotent)."""
        if self.http is not None:
            self.http.close()
            self.http = None
        if self.lock is not None:
            self.lock.close()  # closing the file drops its flock
            self.lock = None


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def lock_database(url: str, *, exclusive: bool, holder: str) -> tuple[IO[str] | None, Path | None]:
    """Lock the SQLite file of `url` (nothing for other databases).

    `exclusive`: no other desk may serve the file; else other shared holders may (workers that
    share live events through Redis). Raises DatabaseInUse, naming the desk that holds it.
    """
    database = sqlite_file(url)
    if database is None:
        return None, None
    database.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_path(database).open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        found = handle.read().strip()
        handle.close()
        raise DatabaseInUse(database, found) from None
    handle.seek(0)
    handle.truncate()
    handle.write(holder + "\n")
    handle.flush()
    return handle, database


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def bind_port(what: str, host: str, port: int) -> socket.socket:
    """A socket bound to host:port (as uvicorn binds: SO_REUSEADDR, so TIME_WAIT is not busy).

    Raises PortBusy when another program listens there or the address is not this machine's.
    """
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortBusy(what, host, port, exc.strerror or str(exc)) from None
    return sock


def claim_desk(
    database_url: str,
    *,
    host: str,
    port: int,
    smtp_host: str,
    smtp_port: int,
    exclusive: bool,
) -> DeskClaim:
    """Lock the database, bind the HTTP port and check the SMTP port, in that order.

    On any refusal nothing stays held. The HTTP socket is kept (and handed to uvicorn), so no
    other program can take the port while the demo loads; the SMTP port is only checked (the
    intake binds it itself), 0 meaning "any free port".
    """
    shown = f"pid {os.getpid()}, http://{host}:{port}/"
    lock, database = lock_database(database_url, exclusive=exclusive, holder=shown)
    claim = DeskClaim(lock=lock, database=database)
    try:
        claim.http = bind_port("HTTP", host, port)
        if smtp_port:
            bind_port("SMTP", smtp_host, smtp_port).close()
    except BaseException:
        claim.release()
        raise
    return claim


def delete_sqlite_database(database: Path) -> None:
    """Delete a SQLite database with its WAL and shared-memory files (the lock file stays).

    Only call it while holding the database's exclusive lock: no desk has it open then.
    """
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            database.with_name(database.name + suffix).unlink()
