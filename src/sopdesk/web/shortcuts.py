"""Every keyboard shortcut of the desk, in one list.

The `?` dialog (base.html) and the call screen's Keyboard panel (desk/call_keys.html) both
render `SHORTCUTS`, so they cannot disagree; `tests/test_shortcuts.py` fails when a key that a
script under static/ handles, or a `data-shortcut` in a template, is missing here.

Each shortcut names what must be on a page for its key to work (`needs`, a CSS selector): the
dialog shows only the keys of the page it opens on (desk.js hides the others when it opens).
"""

from __future__ import annotations

from dataclasses import dataclass

TO = "\u2013"  # the en dash between the two ends of a range of keys (1 to 9)
# Words between keys in `keys`; every other token is a key, shown as <kbd>.
JOINERS = frozenset({"/", TO, "then", "or", "twice"})
# How a shown key is spelled in a browser's `KeyboardEvent.key` (lower-cased).
EVENT_KEYS = {"↓": "arrowdown", "↑": "arrowup", "Esc": "escape", "Space": " "}
LEAVE_SECONDS = 2  # a navigation key pressed again within this leaves a call you hold


@dataclass(frozen=True)
class Shortcut:
    """One line of the list: `keys` as shown ("J / K", "1 {TO} 9", "↓ then Enter")."""

    keys: str
    what: str
    needs: str  # CSS selector: the key works on a page holding a match
    group: str
    on_call: bool = False  # also listed in the call screen's Keyboard panel

    def tokens(self) -> list[tuple[str, bool]]:
        """The shown text, split into (token, is_key) for the templates; a lone token is a
        key, even one that reads as a word between keys elsewhere (/)."""
        parts = self.keys.split()
        return [(token, len(parts) == 1 or token not in JOINERS) for token in parts]

    def event_keys(self) -> set[str]:
        """The `KeyboardEvent.key` values (lower-cased) this line stands for."""
        keys = [t for t, is_key in self.tokens() if is_key]
        if TO in self.keys:  # a range such as 1 to 9
            first, last = keys
            keys = [chr(c) for c in range(ord(first), ord(last) + 1)]
        return {EVENT_KEYS.get(k, k).lower() for k in keys}


def _nav(key: str, label: str, href: str) -> Shortcut:
    # The top bar's link carries the key (base.html); the dialog lists it when the link is there.
    return Shortcut(key, label, f'.topbar__nav a[href="{href}"]', "Go to")


GROUPS = ("Go to", "Lists", "On a call", "This page", "Anywhere")

SHORTCUTS: tuple[Shortcut, ...] = (
    _nav("Q", "Queue", "/queue"),
    _nav("C", "Accounts (customers)", "/accounts"),
    _nav("L", "Leads", "/leads"),
    _nav("T", "Tasks", "/tasks"),
    _nav("I", "Tickets", "/tickets"),
    _nav("G", "Knowledge base", "/kb"),
    _nav("B", "Board", "/board"),
    Shortcut("J / K", "Next / previous row", ".row-link", "Lists"),
    Shortcut("Enter", "Open the focused row", ".row-link", "Lists"),
    Shortcut("A", "Take the call", "#take-call", "On a call", on_call=True),
    Shortcut("X", "Tick the step marked Now", ".step__box", "On a call", on_call=True),
    Shortcut(
        "S",
        "To the first scenario's heading",
        "details.scenario",
        "On a call",
        on_call=True,
    ),
    Shortcut(
        f"1 {TO} 9",
        "Open that scenario at its first empty field",
        "details.scenario",
        "On a call",
        on_call=True,
    ),
    Shortcut("F", "Find the account", "#account-q", "On a call", on_call=True),
    Shortcut(
        "↓ / ↑",
        "From the account search to its results and back; Enter links the result",
        "#account-q",
        "On a call",
        on_call=True,
    ),
    Shortcut(
        "U",
        "Link the account the caller's number matches",
        "#call-account-linked",
        "On a call",
        on_call=True,
    ),
    Shortcut(
        "R",
        "Record a new caller: create their account (or contact) and link it",
        '[data-shortcut="r"]',
        "On a call",
        on_call=True,
    ),
    Shortcut("N", "Write the summary", "#call-summary", "On a call", on_call=True),
    Shortcut("W", "Wrap up", "#wrap-up", "On a call", on_call=True),
    Shortcut(
        "Tab / Space",
        "Next control; Space ticks the focused step",
        "[data-call]",
        "On a call",
        on_call=True,
    ),
    Shortcut(
        "Q twice",
        f"On a call you hold, a key of the top bar (Q C L T I G B) leaves it only when pressed "
        f"twice within {LEAVE_SECONDS} s: once says what a second press does",
        "[data-leave-guard]",
        "On a call",
        on_call=True,
    ),
    Shortcut("M", "Mute or unmute the ring", "#ring-mute", "This page"),
    Shortcut("/", "Search accounts", "#accounts-q", "This page"),
    Shortcut("E", "Edit this article", 'main [data-shortcut="e"]', "This page"),
    Shortcut(
        "Esc",
        "Leave a text box (then the other keys work again)",
        "body",
        "Anywhere",
        on_call=True,
    ),
    Shortcut("?", "This help (Esc closes it)", "body", "Anywhere"),
)


def grouped() -> list[tuple[str, list[Shortcut]]]:
    """The dialog's sections, in `GROUPS` order."""
    return [(g, [s for s in SHORTCUTS if s.group == g]) for g in GROUPS]


def on_call() -> list[Shortcut]:
    """The call screen's Keyboard panel."""
    return [s for s in SHORTCUTS if s.on_call]
