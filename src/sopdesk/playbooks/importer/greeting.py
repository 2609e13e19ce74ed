"""Greetings: a quoted script becomes a template; "do not deliver... mute" becomes a banner."""

from __future__ import annotations

import re

from sopdesk.playbooks.importer.steps import StepDraft, StepKind, imperative
from sopdesk.playbooks.importer.text import clean, quoted, sentence_case
from sopdesk.playbooks.importer.vocab import LISTEN_WORDS, MUTE, NO_GREETING, PLACEHOLDERS
from sopdesk.playbooks.language.schema import Greeting, GreetingMode

# Where an instruction ends and its explanation begins: "place yourself on MUTE - the goal...".
_EXPLANATION = re.compile(r"\s+[-\u2013\u2014]\s+|\s*\u2014\s*|;\s+")
_MIN_PREFIX_WORDS = 2


def parse_greeting(value: str, org_name: str, source: int) -> tuple[Greeting, list[StepDraft]]:
    """The greeting a "Greeting:" entry describes, and the steps it asks of the agent."""
    scripts = quoted(value)
    if NO_GREETING.search(value) or (MUTE.search(value) and not scripts):
        return _quiet(value, source)
    if not scripts:
        return Greeting(mode=GreetingMode.SPOKEN, template=template(value, org_name)), []
    greeting = Greeting(mode=GreetingMode.SPOKEN, template=template(scripts[0], org_name))
    prefix = clean(value.split(scripts[0])[0]).rstrip(' "\u201c\u00ab:')
    if len(prefix.split()) < _MIN_PREFIX_WORDS:
        return greeting, []
    # "Answer the call with <script>" -> a step that points at the greeting shown above it.
    return greeting, [StepDraft(f"{imperative(prefix)[:-1]} the greeting.", source, kind="say")]


def _quiet(value: str, source: int) -> tuple[Greeting, list[StepDraft]]:
    muted = bool(MUTE.search(value))
    mode = GreetingMode.MUTED if muted else GreetingMode.SILENT
    instruction, *reason = _EXPLANATION.split(value, maxsplit=1)
    banner = f"{mode.value.upper()} - {sentence_case(instruction)}"
    if reason:
        banner = f"{banner} {sentence_case(reason[0])}"
    greeting = Greeting(
        mode=mode, banner=banner, listen_only=bool(LISTEN_WORDS.search(value)) or muted
    )
    kind: StepKind = "listen" if muted or LISTEN_WORDS.search(instruction) else "do"
    return greeting, [StepDraft(sentence_case(instruction), source, kind)]


def template(script: str, org_name: str) -> str:
    """A script with its placeholders in playbook form and stray braces made harmless."""
    text = clean(script).replace("{", "(").replace("}", ")")
    for pattern, placeholder in PLACEHOLDERS:
        text = pattern.sub(placeholder, text)
    if org_name:
        text = re.sub(rf"\b{re.escape(org_name)}\b", "{org_name}", text)
    return text
