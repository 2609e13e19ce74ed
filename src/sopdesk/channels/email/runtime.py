"""Background work of every web worker: the SLA sweeper and the outbox sender, on one thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from sopdesk.channels.email.outbound import mailer_from_settings
from sopdesk.escalations.sweeper import run_sweeper
from sopdesk.settings import Settings


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class SweeperHandle:
    """A background thread of ours; `stop()` ends it after its current pass."""

    thread: threading.Thread
    stop_event: threading.Event

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        self.thread.join(timeout)


def start_sweeper(
    settings: Settings,
    session_factory: sessionmaker[Session],
    clock: Callable[[], datetime] = _utcnow,
) -> SweeperHandle:
    """Sweep SLA clocks and send queued mail every settings.sweeper_interval_seconds.

    Safe in every worker of every host: clocks and mail rows are claimed with conditional
    updates, so running it N times fires nothing twice.
    """
    stop = threading.Event()
    thread = threading.Thread(
        target=run_sweeper,
        args=(session_factory, mailer_from_settings(settings), stop),
        kwargs={"interval": settings.sweeper_interval_seconds, "clock": clock},
        name="sopdesk-sweeper",
        daemon=True,
    )
    thread.start()
    return SweeperHandle(thread, stop)
