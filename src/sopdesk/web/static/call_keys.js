// sopdesk call screen keys that move the work on without hunting for controls (listed, from
// the one list in sopdesk/web/shortcuts.py, in the call screen's Keyboard panel and the ?
// dialog). No rules here: each key presses the control the server rendered for that job, so a
// call the agent may not change (read-only, closed) has no enabled control and the key does
// nothing.
//   X      tick the step marked Now (else the next one still to do)
//   S      to the first scenario's heading; 1-9 open scenario N at its first empty field
//   U      link the account the caller's number matches (the first suggestion)
// After the agent takes the call (A, or Take over), the focus goes to the step marked Now.
(function () {
  "use strict";

  var call = document.querySelector("[data-call]");
  if (!call) return;

  function typing(el) {
    if (!el) return false;
    if (el.isContentEditable || /^(TEXTAREA|SELECT)$/.test(el.tagName)) return true;
    return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(el.type);
  }

  function nextStepBox() {
    return document.querySelector(".step--current .step__box:not([disabled])") ||
      document.querySelector(".step--todo .step__box:not([disabled])");
  }

  // The first control of the first step still to do: its checkbox, or its first answer.
  function nextStepControl() {
    var controls = ".step__box:not([disabled]), .btn--choice:not([disabled])";
    return document.querySelector(".step--current :is(" + controls + ")") ||
      document.querySelector(".step--todo :is(" + controls + ")");
  }

  function openScenario(n) {
    var all = document.querySelectorAll("details.scenario");
    var details = all[n];
    if (!details) return false;
    details.open = true;
    var fields = details.querySelectorAll(
      ".scenario__fields input:not([disabled]):not([type=hidden]), .scenario__fields select, .scenario__fields textarea");
    var empty = Array.prototype.find.call(fields, function (f) { return !f.value; });
    var target = empty || fields[0] || details.querySelector("summary");
    if (target) target.focus();
    return true;
  }

  function press(el) {
    if (!el) return false;
    el.click();
    return true;
  }

  function focus(el) {
    if (!el) return false;
    el.focus();
    return true;
  }

  // One entry per key this file handles (tests/test_shortcuts.py reads these names).
  var KEYS = {
    x: function () { return press(nextStepBox()); },
    s: function () { return focus(document.querySelector("details.scenario summary")); },
    u: function () {
      return press(document.querySelector("#call-account-linked .account-item button:not([disabled])"));
    },
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var key = event.key.toLowerCase();
    var done = /^[1-9]$/.test(key) ? openScenario(Number(key) - 1) : KEYS[key] && KEYS[key]();
    if (done) event.preventDefault();
  });

  // Taking the call replaces the header and its button: the focus would fall back to the body,
  // eleven Tabs from the first step. htmx reports the request on the nearest element still on
  // the page; its requestConfig still names the button that asked.
  var TAKES = ["take-call", "takeover-call"];
  document.addEventListener("htmx:afterRequest", function (event) {
    var asked = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!asked || TAKES.indexOf(asked.id) === -1 || !event.detail.successful) return;
    if (document.activeElement && document.activeElement !== document.body &&
        document.body.contains(document.activeElement)) return;  // the agent moved on already
    var step = nextStepControl();
    if (step) {
      step.focus();
      step.scrollIntoView({ block: "nearest" });
    }
  });
})();
