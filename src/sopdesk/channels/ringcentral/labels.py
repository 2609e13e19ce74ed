"""Reading the line label the agent sees, from `callInfo` (call queues) or a callee name.

RingCentral shows a call-queue call with a primary ('Line 1') and an additional ('Line 2')
piece of information, each typed: PhoneNumberLabel, PhoneNumber, QueueExtension, QueueName,
CallerIdName, CallerIdNumber or None. Only the first three name the line; the caller-id types
describe the caller, and PhoneNumber is the dialed number.
"""

from __future__ import annotations

from dataclasses import dataclass

from sopdesk.channels.ringcentral.fields import obj, text

LINE_TYPES = ("PhoneNumberLabel", "QueueName", "QueueExtension")


@dataclass(frozen=True)
class CallInfo:
    """What `callInfo` told us; each part is None when it was not shown."""

    label: str | None = None
    label_type: str | None = None
    number: str | None = None
    caller_name: str | None = None
    caller_number: str | None = None


def read_call_info(call: object) -> CallInfo:
    """Primary wins over additional for each kind of information."""
    info = obj(call, "callInfo")
    found: dict[str, str] = {}
    label_type: str | None = None
    for part_name in ("primary", "additional"):
        part = obj(info, part_name)
        kind, value = text(part, "type"), text(part, "value")
        if kind is None or value is None:
            continue
        if kind in LINE_TYPES and "label" not in found:
            found["label"], label_type = value, kind
        elif kind == "PhoneNumber":
            found.setdefault("number", value)
        elif kind == "CallerIdName":
            found.setdefault("caller_name", value)
        elif kind == "CallerIdNumber":
            found.setdefault("caller_number", value)
    return CallInfo(
        label=found.get("label"),
        label_type=label_type,
        number=found.get("number"),
        caller_name=found.get("caller_name"),
        caller_number=found.get("caller_number"),
    )
