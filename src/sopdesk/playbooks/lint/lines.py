"""Lint checks on lines: how a call is recognised and greeted.

Pure: takes a playbook and a source map, returns findings. No I/O, no engine imports.
"""

from __future__ import annotations

import string
from collections.abc import Iterator

import phonenumbers

from sopdesk.playbooks.language.loader import Finding, PathKey, SourceMap
from sopdesk.playbooks.language.schema import GreetingMode, Line, Playbook

PLACEHOLDERS = ("agent_name", "org_name", "line_name", "caller_name")


def phone_key(number: str, region: str) -> str | None:
    """The number in E.164 form, or None when it cannot be a phone number at all."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def region_ok(region: str) -> bool:
    return region in phonenumbers.SUPPORTED_REGIONS


def check_lines(playbook: Playbook, source: SourceMap) -> Iterator[Finding]:
    """Every per-line problem, then those that only show when lines are compared."""
    urgencies = {u.id for u in playbook.urgencies}
    for i, line in enumerate(playbook.lines):
        at: PathKey = ("lines", i)
        if line.urgency not in urgencies:
            yield source.finding(
                (*at, "urgency"),
                f"line '{line.id}' has urgency '{line.urgency}', which is not one of the "
                f"org's urgencies ({', '.join(u.id for u in playbook.urgencies)})",
            )
        if not (line.labels or line.numbers or line.fallback):
            yield source.finding(
                (*at, "id"),
                f"line '{line.id}' has neither labels nor numbers, so no call can ring on it; "
                "add one, or set fallback: true",
            )
        for k, policy_id in enumerate(line.policies):
            if playbook.policy(policy_id) is None:
                yield source.finding(
                    (*at, "policies", k),
                    f"line '{line.id}' offers policy '{policy_id}', which is not defined",
                )
        yield from _greeting(line, (*at, "greeting"), source)
    yield from _fallbacks(playbook, source)
    yield from _labels(playbook, source)
    if region_ok(playbook.org.default_region):
        yield from _numbers(playbook, source)
    else:
        yield source.finding(
            ("org", "default_region"),
            f"default_region '{playbook.org.default_region}' is not a region code such as "
            "US, GB or IN, so phone numbers without a +country code cannot be read",
        )


def _greeting(line: Line, at: PathKey, source: SourceMap) -> Iterator[Finding]:
    greeting = line.greeting
    name = f"line '{line.id}'"
    has_template = bool(greeting.template and greeting.template.strip())
    if greeting.mode is GreetingMode.SPOKEN and not has_template:
        yield source.finding(
            at,
            f"{name} has a spoken greeting but no template; add greeting.template with what "
            "the agent says",
        )
    if greeting.mode is not GreetingMode.SPOKEN:
        mode = greeting.mode.value
        if greeting.template is not None:
            yield source.finding(
                (*at, "template"),
                f"{name} has a {mode} greeting with a template, which is never spoken; "
                "remove the template or set mode: spoken",
            )
        if not (greeting.banner and greeting.banner.strip()):
            yield source.finding(
                at,
                f"{name} has a {mode} greeting but no banner; add greeting.banner telling "
                "the agent what to do instead of speaking",
            )
    if greeting.template is not None:
        yield from _placeholders(greeting.template, (*at, "template"), name, source)


def _placeholders(template: str, at: PathKey, name: str, source: SourceMap) -> Iterator[Finding]:
    allowed = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        yield source.finding(
            at,
            f"greeting template of {name} has unbalanced braces ({exc}); "
            "write {{ or }} for a literal brace",
        )
        return
    for _, field_name, _, _ in parts:
        if field_name is not None and field_name not in PLACEHOLDERS:
            yield source.finding(
                at,
                f"greeting template of {name} uses {{{field_name}}}, which is not filled in; "
                f"use only {allowed}",
            )


def _fallbacks(playbook: Playbook, source: SourceMap) -> Iterator[Finding]:
    fallbacks = [(i, line) for i, line in enumerate(playbook.lines) if line.fallback]
    for i, line in fallbacks[1:]:
        yield source.finding(
            ("lines", i, "fallback"),
            f"line '{line.id}' is a second fallback line (line '{fallbacks[0][1].id}' already "
            "is); only one line may take calls no other line matches",
        )


def _labels(playbook: Playbook, source: SourceMap) -> Iterator[Finding]:
    owner: dict[str, str] = {}
    for i, line in enumerate(playbook.lines):
        for k, label in enumerate(line.labels):
            key = " ".join(label.split()).casefold()
            first = owner.setdefault(key, line.id)
            if first != line.id:
                yield source.finding(
                    ("lines", i, "labels", k),
                    f"label '{label}' of line '{line.id}' is already the label of line "
                    f"'{first}'; labels must tell lines apart",
                )


def _numbers(playbook: Playbook, source: SourceMap) -> Iterator[Finding]:
    region = playbook.org.default_region
    sharing: dict[str, list[tuple[Line, PathKey]]] = {}
    for i, line in enumerate(playbook.lines):
        for k, number in enumerate(line.numbers):
            at: PathKey = ("lines", i, "numbers", k)
            key = phone_key(number, region)
            if key is None:
                yield source.finding(
                    at, f"'{number}' on line '{line.id}' is not a phone number (region {region})"
                )
                continue
            if not phonenumbers.is_valid_number(phonenumbers.parse(key)):
                yield source.finding(
                    at,
                    f"'{number}' on line '{line.id}' is not a number in use (read as {key}); "
                    "check the digits, or write it with its +country code",
                )
            claims = sharing.setdefault(key, [])
            if any(other is line for other, _ in claims):
                yield source.finding(at, f"'{number}' is listed twice on line '{line.id}'")
                continue
            claims.append((line, at))
    for key, claims in sharing.items():
        if len(claims) > 1:
            yield from _shared_number(key, claims, source)


def _shared_number(
    key: str, claims: list[tuple[Line, PathKey]], source: SourceMap
) -> Iterator[Finding]:
    # Lines may share a number only when the phone system's label tells them apart.
    names = ", ".join(f"'{line.id}'" for line, _ in claims)
    for line, at in claims:
        if not line.labels:
            yield source.finding(
                at,
                f"number {key} rings on lines {names}, but line '{line.id}' has no label to "
                "tell it apart; give every line that shares a number a label",
            )
