"""Generic vocabulary the importer recognises: section words, urgency words, field hints.

Only ordinary English and contact-center words belong here. Nothing from a particular
organisation's document: names, teams and stages are always read from the text itself.
"""

from __future__ import annotations

import re
from enum import StrEnum

from sopdesk.playbooks.importer.text import word_set
from sopdesk.playbooks.language.schema import FieldType


class Role(StrEnum):
    """What a heading or a "Key:" introduces."""

    CONDITION = "condition"
    PROCEDURE = "procedure"
    URGENCY = "urgency"
    GREETING = "greeting"
    HANDLING = "handling"
    DOCUMENTATION = "documentation"
    ADVICE = "advice"
    NOTE = "note"
    SCENARIOS = "scenarios"
    QUICK_ANSWER = "quick_answer"
    WHEN_TO_USE = "when_to_use"
    STEPS = "steps"
    RELATED = "related"
    PROSE = "prose"  # introduction, overview, conclusion: context, not instructions


# First words of a key or heading, and the role they give it. Checked in order.
_ROLE_PREFIXES: tuple[tuple[str, Role], ...] = (
    ("condition", Role.CONDITION),
    ("urgency", Role.URGENCY),
    ("priority", Role.URGENCY),
    ("severity", Role.URGENCY),
    ("greeting", Role.GREETING),
    ("opening", Role.GREETING),
    ("script", Role.GREETING),
    ("handling", Role.HANDLING),
    ("call handling", Role.HANDLING),
    ("actions", Role.HANDLING),
    ("documentation", Role.DOCUMENTATION),
    ("wrap-up", Role.DOCUMENTATION),
    ("wrap up", Role.DOCUMENTATION),
    ("after-call work", Role.DOCUMENTATION),
    ("procedure", Role.PROCEDURE),
    ("note", Role.NOTE),
    ("important", Role.NOTE),
    ("reminder", Role.NOTE),
    ("quick answer", Role.QUICK_ANSWER),
    ("short answer", Role.QUICK_ANSWER),
    ("tl;dr", Role.QUICK_ANSWER),
    ("tldr", Role.QUICK_ANSWER),
    ("when should i use", Role.WHEN_TO_USE),
    ("when to use", Role.WHEN_TO_USE),
    ("step-by-step", Role.STEPS),
    ("step by step", Role.STEPS),
    ("steps", Role.STEPS),
    ("related articles", Role.RELATED),
    ("related", Role.RELATED),
    ("see also", Role.RELATED),
    ("introduction", Role.PROSE),
    ("overview", Role.PROSE),
    ("conclusion", Role.PROSE),
    ("summary", Role.PROSE),
    ("background", Role.PROSE),
    ("purpose", Role.PROSE),
    ("scope", Role.PROSE),
)
_ADVICE = re.compile(r"\b(advise|advice|tips?|what you can (say|tell|recommend))\b")
_SCENARIOS = re.compile(r"\bscenarios?\b|\bsituations\b|\bcall types\b")


def role_of(text: str) -> Role | None:
    """The role of a key or a heading, from its first words; None when it has none."""
    lowered = text.lower().strip(" :-")
    for prefix, role in _ROLE_PREFIXES:
        if lowered == prefix or lowered.startswith((f"{prefix} ", f"{prefix}:", f"{prefix}s")):
            return role
    if _ADVICE.search(lowered):
        return Role.ADVICE
    if _SCENARIOS.search(lowered):
        return Role.SCENARIOS
    return None


# Urgency words ranked from least to most urgent. Unknown words sit in the middle.
URGENCY_RANK = {
    "lowest": 0,
    "low": 1,
    "minor": 1,
    "normal": 2,
    "standard": 2,
    "routine": 2,
    "regular": 2,
    "medium": 3,
    "mid": 3,
    "moderate": 3,
    "elevated": 3,
    "high": 4,
    "major": 4,
    "urgent": 5,
    "very high": 5,
    "critical": 6,
    "highest": 6,
    "emergency": 6,
    "immediate": 6,
}
UNKNOWN_URGENCY_RANK = 3
URGENCY_COLORS = ("#6b7280", "#2563eb", "#16a34a", "#d97706", "#ea580c", "#dc2626", "#7f1d1d")

# Field label words and the type they imply, checked in order (first match wins).
FIELD_TYPE_HINTS: tuple[tuple[re.Pattern[str], FieldType], ...] = (
    (re.compile(r"\be-?mail\b"), FieldType.EMAIL),
    (
        re.compile(r"\b(phone|mobile|telephone|cell|contact number|callback number)\b"),
        FieldType.PHONE,
    ),
    (
        re.compile(r"\b(amounts?|figures?|sums?|prices?|costs?|fees?|totals?|balance)\b"),
        FieldType.MONEY,
    ),
    (re.compile(r"\b(dates?|birthday|deadline)\b"), FieldType.DATE),
    (re.compile(r"\bnames?\s*(/\s*s|\(s\))|\bnames\b"), FieldType.LIST),
    (
        re.compile(r"\b(number|no\.?|id|code|reference|ref|badge|serial)\b"),
        FieldType.IDENTIFIER,
    ),
)

# Imperative verbs that start an instruction; used to split "do X and do Y" prose.
IMPERATIVES = word_set(
    """add advise annotate answer ask assist call change check collect confirm consult contact
    create document email escalate explain follow greet identify inform intervene listen log
    include mention note notify offer open place proceed provide raise recommend record refer reply
    request resolve review scan send set share submit take tell track transfer try update
    use validate verify keep remember ensure remind obtain gather capture"""
)
SAY_VERBS = word_set("mention tell say inform greet explain advise read")
# "Open/Answer the call with..." is speech; "Open a ticket" is not.
SAY_OPENING = re.compile(r"^\W*(open|answer)\s+the\s+(call|line|conversation)\b", re.I)
ASK_VERBS = word_set(
    "ask validate verify collect take annotate note request confirm obtain gather capture"
)
LISTEN_WORDS = re.compile(r"\b(listen|mute|muted)\b", re.IGNORECASE)
AFTER_CALL = re.compile(r"\bafter the call\b", re.IGNORECASE)
CONDITIONAL_START = re.compile(r"^\s*\w+\s+(when|if)\b|^\s*(if|when|in case)\b", re.IGNORECASE)

# A greeting that must not be spoken.
NO_GREETING = re.compile(
    r"\b(do not|don't|dont|never|no)\s+(deliver|say|give|speak|greet|use)\b"
    r"|\bno (greeting|script)\b",
    re.IGNORECASE,
)
MUTE = re.compile(r"\bmute[ds]?\b", re.IGNORECASE)

# Placeholders in a quoted script, and the playbook placeholder each becomes.
PLACEHOLDERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"[(\[<{]\s*(the\s+)?(agent|agent's|rep|rep's|representative|your|my|first)\s*"
            r"(first\s+)?name\s*[)\]>}]",
            re.IGNORECASE,
        ),
        "{agent_name}",
    ),
    (
        re.compile(
            r"[(\[<{]\s*(the\s+)?(caller|customer|client)('s)?\s*(first\s+)?name\s*[)\]>}]",
            re.IGNORECASE,
        ),
        "{caller_name}",
    ),
    (
        re.compile(
            r"[(\[<{]\s*(company|org|organi[sz]ation|business|brand)(\s*name)?\s*[)\]>}]",
            re.IGNORECASE,
        ),
        "{org_name}",
    ),
    (re.compile(r"[(\[<{]\s*(line|queue)(\s*name)?\s*[)\]>}]", re.IGNORECASE), "{line_name}"),
)

# Words that are capitalised in prose yet never an organisation's name.
NOT_ORG_NAMES = word_set(
    """the a an this that these those if when what how why who where which use only first then
    after before once ask add set record note send advise do not any all in on at by for from to
    of i i'm you we our your they their it is are be please thank thanks hi hello dear yes no
    and or but with as so because while during step steps procedure procedures call calls
    condition urgency greeting handling documentation customer customers client clients agent
    agents team teams crm faq quick answer overview introduction conclusion summary related
    articles article guide note important monday tuesday wednesday thursday friday saturday
    sunday january february march april may june july august september october november
    december normal mid high highest low lowest medium urgent critical lead leads stage
    eod id"""
)
FREE_MAIL_DOMAINS = word_set(
    "gmail yahoo hotmail outlook live aol icloud proton protonmail example mail"
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
