"""The draft as YAML text: a comment header (assumptions, unplaced lines), then the playbook."""

from __future__ import annotations

from datetime import timedelta
from enum import Enum
from typing import Any

import yaml

from sopdesk.playbooks.language.durations import format_duration
from sopdesk.playbooks.language.schema import Playbook

_COMMENT_WIDTH = 96


def playbook_yaml(playbook: Playbook, header: list[str]) -> str:
    """YAML for `playbook`, defaults left out, behind `header` as comment lines."""
    data = _plain(playbook.model_dump(mode="python", exclude_defaults=True))
    data = {"format": playbook.format, **data}
    # exclude_defaults drops each schedule's `kind`, but the union needs it to tell them apart.
    for schedule, model in zip(data.get("schedules", []), playbook.schedules, strict=True):
        schedule["kind"] = model.kind
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=_COMMENT_WIDTH)
    comments = "".join(f"# {line}".rstrip() + "\n" for line in header)
    return comments + body


def _plain(value: Any) -> Any:
    """Values safe_dump can write: enums as their value, durations as '24h'."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, timedelta):
        return _duration(value)
    return value


def _duration(value: timedelta) -> str:
    """'24h' rather than '1d' for SLA-sized spans: SOPs count such clocks in hours."""
    seconds = int(value.total_seconds())
    if seconds % 3600 == 0 and 0 < seconds < 3 * 86400:
        return f"{seconds // 3600}h"
    return format_duration(value)


def comment_lines(text: str, indent: str = "") -> list[str]:
    """`text` wrapped to comment width; never more than a few lines per entry."""
    words, lines, current = text.split(), [], indent
    for word in words:
        if len(current) + len(word) + 1 > _COMMENT_WIDTH - 2 and current.strip():
            lines.append(current.rstrip())
            current = indent + "    "
        current += word + " "
    if current.strip():
        lines.append(current.rstrip())
    return lines
