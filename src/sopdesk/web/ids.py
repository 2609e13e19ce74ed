"""Object ids as the API accepts them: positive and within the database's integer range.

An id outside that range can name nothing; declaring the bound makes it a 422 naming the
field (and documents it in /openapi.json) instead of a driver overflow deep in a query.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import Field

MAX_ID = 2_147_483_647  # PostgreSQL `integer`, the type of every primary key here

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="object id")]
IdField = Annotated[int, Field(ge=1, le=MAX_ID)]
