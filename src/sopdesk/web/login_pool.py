"""Password checks off the request pool.

argon2 is meant to be slow (tens of milliseconds of CPU and 19 MiB a check). Run on the thread
pool every sync route shares, a flood of logins took all its threads and an agent's ordinary
request waited seconds. Checks run here instead, on one thread of their own (the other core
stays with the desk), with a short queue: past MAX_WAITING checks waiting, a login is refused
at once with 429 and Retry-After, and nothing else is slowed.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from sopdesk.orgs.service import password_matches

MAX_WAITING = 32
RETRY_AFTER_SECONDS = 1
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sopdesk-password")
_queued = 0
_count_lock = threading.Lock()


async def check_password(password_hash: str | None, password: str) -> bool | None:
    """`orgs.service.password_matches` on the password thread; None, at once, when its queue is
    full (the caller answers 429 with Retry-After: RETRY_AFTER_SECONDS)."""
    global _queued
    with _count_lock:
        if _queued >= MAX_WAITING:
            return None
        _queued += 1
    try:
        future = _pool.submit(password_matches, password_hash, password)
        return await asyncio.wrap_future(future)
    finally:
        with _count_lock:
            _queued -= 1
