"""Object ids and moments as the API accepts them: positive and within the database's integer range.

An id outside that range can name nothing; declaring the bound makes it a 422 naming the
field (and documents it in /openapi.json) instead of a driver overflow deep in a query.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, AwareDatetime, Field

MAX_ID = 2_147_483_647  # PostgreSQL `integer`, the type of every primary key here

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="object id")]
IdField = Annotated[int, Field(ge=1, le=MAX_ID)]


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _sane_moment(value: datetime) -> datetime:
    # Checked before any conversion: year 1 at +14:00 is before the first UTC datetime, and
    # converting it is what used to fail deep in a query.
    try:
        moment = value if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise ValueError("must be between 2000 and 2100") from None
    if not EARLIEST <= moment.replace(tzinfo=UTC) < LATEST:
        raise ValueError("must be between 2000 and 2100")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_sane_moment)]
