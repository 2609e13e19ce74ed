"""The browser watch that every browser test relies on reports what it should: a console
error, an uncaught page error and a CSP refusal on the desk's own page, from a page the test
did not open itself; and lets through only what a test allows."""

from __future__ import annotations

from typing import Any

from browser_kit import server, world
from browser_watch import WatchedBrowser

__all__ = ["server", "world"]


def test_console_errors_page_errors_and_csp_refusals_are_reported(
    chromium: Any, server: str
) -> None:
    watched = WatchedBrowser(chromium, allowed=[])
    page = watched.new_context(base_url=server).new_page()
    page.goto("/login")
    page.evaluate("console.error('boom from the test')")
    page.evaluate("setTimeout(() => { throw new Error('uncaught in a timer') }, 0)")
    # The login page's strict CSP refuses an inline script.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '1';"
        " document.head.appendChild(s); }"
    )
    with page.context.expect_page() as opened:
        page.evaluate("window.open('/login')")
    opened.value.evaluate("console.error('from a window the page opened')")
    page.wait_for_timeout(300)
    watched.close_contexts()
    text = "\n".join(watched.problems)
    assert "boom from the test" in text
    assert "uncaught in a timer" in text
    assert "CSP violation: script-src" in text
    assert "from a window the page opened" in text


def test_allowed_messages_and_messages_after_the_test_body_are_not_counted(
    chromium: Any, server: str
) -> None:
    watched = WatchedBrowser(chromium, allowed=[r"expected \d+"])
    page = watched.new_page(base_url=server)
    page.goto("/login")
    page.evaluate("console.error('expected 409')")
    watched.freeze()
    page.evaluate("console.error('after the body')")
    page.wait_for_timeout(100)
    watched.close_contexts()
    assert watched.problems == []
