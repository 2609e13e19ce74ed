"""Entity tags of what an agent types (the call summary): a write answers `ETag: "3"`, the
next write sends `If-Match: "3"` and is refused (412 `stale`, by the desk service) when
someone saved another text in between. No If-Match, or `*`, writes whatever is stored.

The API and the call screen use the same two helpers, so both send and read the same tags.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header

from sopdesk.web.errors import ApiError

_TAG = re.compile(r'^(?:W/)?"(\d{1,9})"$')


def etag(version: int) -> str:
    """The entity tag of a version, as `ETag` and `If-Match` carry it."""
    return f'"{version}"'


def if_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            pattern=r'^(\*|(W/)?"[0-9]{1,9}")$',
            description='the version the text was written over, as the last ETag gave it ("3"); '
            "a stale one is refused with 412 `stale`",
        ),
    ] = None,
) -> int | None:
    """The version an `If-Match` names; None when absent or `*`. Anything else is a 422."""
    if value is None or value.strip() == "*":
        return None
    match = _TAG.match(value.strip())
    if match is None:
        raise ApiError(
            422,
            "invalid If-Match header",
            fields=[("If-Match", 'expected one version in quotes, as the ETag gave it: "3"')],
        )
    return int(match.group(1))


IfMatch = Annotated[int | None, Depends(if_match)]
