// sopdesk call screen keys that move the work on without hunting for controls (listed, from
// the one list in sopdesk/web/shortcuts.py, in the call screen's Keyboard panel and the ?
// dialog). No rules here: each key presses the control the server rendered for that job, so a
// call the agent may not change (read-only, closed) has no enabled control and the key does
// nothing.
//   X      tick the step marked Now (else the next one still to do)
//   S      to the first scenario's heading; 1-9 open scenario N at its first empty field
//   U      link the account the caller's number matches (the first suggestion)
// After the agent takes the call (A, or Take over), the focus goes to the step marked Now;
// keys pressed while the take is out run once it is done.
(function () {
  "use strict";

  var call = document.querySelector("[data-call]");
  if (!call) return;

  function typing(el) {
    // A text editor inside a shadow root (the playbook editor): the key's target is its host.
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
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

  function run(key) {
    return /^[1-9]$/.test(key) ? openScenario(Number(key) - 1) : KEYS[key] && KEYS[key]();
  }

  // An agent types A then X X faster than the server answers: an X pressed while the call is
  // being taken would tick a step of a call that is not theirs yet (refused, 409), and a second
  // X while the first tick is out would press the same step again. So while a request that
  // a key (or a take) started is out, keys wait, and then run one at a time, each on the
  // controls the last answer rendered.
  var WORK = ".step__box, .btn--choice, #take-call, #takeover-call, .account-item button";
  var out = 0;
  var waiting = [];

  function drain() {
    while (out === 0 && waiting.length) run(waiting.shift());
  }

  // A request htmx never reports back on (dropped by its sync rules, aborted) must not hold
  // the keys for ever: after STUCK_MS with keys waiting, they run on what the page shows.
  var STUCK_MS = 4000;
  var stuck = null;
  function watch() {
    if (stuck) return;
    stuck = window.setTimeout(function () {
      stuck = null;
      if (out > 0 && waiting.length) { out = 0; drain(); }
    }, STUCK_MS);
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var key = event.key.toLowerCase();
    if (!(key in KEYS) && !/^[1-9]$/.test(key)) return;
    if (out > 0) {
      waiting.push(key);
      watch();
      event.preventDefault();
      return;
    }
    if (run(key)) event.preventDefault();
  });

  function asker(event) {
    var asked = event.detail.requestConfig && event.detail.requestConfig.elt;
    return asked && asked.matches && asked.matches(WORK) ? asked : null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (asker(event)) out += 1;
  });

  // Taking the call replaces the header and its button: the focus would fall back to the body,
  // eleven Tabs from the first step. htmx reports the request on the nearest element still on
  // the page; its requestConfig still names the button that asked.
  var TAKES = ["take-call", "takeover-call"];
  document.addEventListener("htmx:afterRequest", function (event) {
    var asked = asker(event);
    if (!asked) return;
    out = Math.max(0, out - 1);
    if (TAKES.indexOf(asked.id) !== -1) {
      if (!event.detail.successful) {
        waiting = [];  // not taken: the keys would act on someone else's call
        return;
      }
      var moved = document.activeElement && document.activeElement !== document.body &&
          document.body.contains(document.activeElement);  // the agent moved on already
      var step = moved ? null : nextStepControl();
      if (step) {
        step.focus();
        step.scrollIntoView({ block: "nearest" });
      }
    }
    drain();
  });
})();
