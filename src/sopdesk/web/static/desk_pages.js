// sopdesk call screen and CRM pages: small behaviour htmx does not give by itself.
// No business logic: the server decides what is owed and what is wrong.
(function () {
  "use strict";

  // A refusal the agent can act on (409 taken or closed, 422 invalid or wrap-up refused) comes
  // back as HTML to show inline; other errors keep htmx's default (no swap).
  if (window.htmx) {
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "409|422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
    ];
    // Swapped-in buttons work at once: with htmx's default 20 ms settle, a click (or a key
    // such as A) landing just after a live refresh found a button not yet wired, and was lost.
    window.htmx.config.defaultSettleDelay = 0;
  }

  // A text box takes letters; a checkbox or a button does not, so shortcuts still work there
  // (the step list leaves the focus on a checkbox).
  function isTyping(el) {
    // A text editor inside a shadow root (the playbook editor): the key's target is its host.
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return false;
    if (el.isContentEditable || /^(TEXTAREA|SELECT)$/.test(el.tagName)) return true;
    return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(el.type);
  }

  // Keys that move focus into a text box (desk.js handles keys that press buttons).
  var FOCUS_KEYS = { n: "call-summary", f: "account-q", "/": "accounts-q" };

  document.addEventListener("keydown", function (event) {
    // Escape (leave a text box) is desk.js's: it works on every page.
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) return;
    var target = document.getElementById(FOCUS_KEYS[event.key] || "");
    if (target && !target.disabled) {
      event.preventDefault();
      target.focus();
    }
  });

  // The knowledge-base box searches as the agent types (htmx); Enter must not submit its form
  // (an inline onsubmit did this before, and the CSP blocked it).
  document.addEventListener("submit", function (event) {
    if (event.target.matches(".assist__search")) event.preventDefault();
  });

  // A wrap-up item links to what fixes it: open its scenario if closed, then focus the field,
  // the step's checkbox or the scenario's heading, so the keyboard is where the eyes are.
  var FOCUSABLE = "input:not([disabled]), select, textarea, button:not([disabled]), summary";
  document.addEventListener("click", function (event) {
    var link = event.target.closest('a[href^="#"]');
    if (!link || link.classList.contains("skip-link")) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    var details = target.closest("details");
    if (details && !details.open) details.open = true;
    var focus = target.matches(FOCUSABLE) ? target : target.querySelector(FOCUSABLE);
    if (!focus) return;
    event.preventDefault();
    target.scrollIntoView({ block: "center" });
    focus.focus();
  });
})();
