"""Every page a browser test opens reports its console errors, page errors and CSP violations.

The `browser` fixture hands a test a WatchedBrowser instead of Playwright's Browser: each context
it creates gets a listener on every page (including pages opened by links and window.open) and
an init script that turns a `securitypolicyviolation` into a console error, so no test has to
remember to watch, and a control the page's CSP refuses fails whichever test touches it."""

from __future__ import annotations

import contextlib
import re
from typing import Any

# Chromium logs a CSP refusal to the console itself; the event catches the ones it does not
# (report-only, violations inside workers' documents) and names the directive.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + (e.sourceFile || location.href) + ":" + e.lineNumber);
});
"""


class WatchedBrowser:
    """Playwright's Browser, with every page watched; anything else is passed through."""

    def __init__(self, browser: Any, allowed: list[str]) -> None:
        self._browser = browser
        self._allowed = [re.compile(p) for p in allowed]
        self._contexts: list[Any] = []
        self.problems: list[str] = []
        self._frozen = False

    def freeze(self) -> None:
        """Stop recording: the test body is over."""
        self._frozen = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.add_init_script(CSP_REPORTER)
        context.on("page", self._watch)
        self._contexts.append(context)
        return context

    def new_page(self, **options: Any) -> Any:
        return self.new_context(**options).new_page()

    def close_contexts(self) -> None:
        """Close what the test left open, so late messages are counted and nothing leaks."""
        for context in self._contexts:
            with contextlib.suppress(Exception):  # already closed with its page or browser
                context.close()

    def _watch(self, page: Any) -> None:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self._note(page, f"page error: {error}"))

    def _console(self, page: Any, message: Any) -> None:
        if message.type == "error":
            self._note(page, f"console error: {message.text}")

    def _note(self, page: Any, text: str) -> None:
        if self._frozen or any(p.search(text) for p in self._allowed):
            return
        try:
            where = page.url
        except Exception:  # the page is gone
            where = "(closed page)"
        self.problems.append(f"{where}: {text}")
