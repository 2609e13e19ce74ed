// sopdesk call screen keys that move the work on without hunting for controls (listed in the
// call screen's Keyboard panel and the ? dialog). No rules here: each key presses the control
// the server rendered for that job, so a call the agent may not change (read-only, closed)
// has no enabled control and the key does nothing.
//   X      tick the step marked Now (else the next one still to do)
//   S      to the first scenario's heading; 1-9 open scenario N at its first empty field
//   U      link the account the caller's number matches (the first suggestion)
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

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var key = event.key.toLowerCase();
    var done = false;
    if (key === "x") {
      var box = nextStepBox();
      if (box) { box.click(); done = true; }
    } else if (key === "s") {
      var first = document.querySelector("details.scenario summary");
      if (first) { first.focus(); done = true; }
    } else if (/^[1-9]$/.test(key)) {
      done = openScenario(Number(key) - 1);
    } else if (key === "u") {
      var suggested = document.querySelector("#call-account-linked .account-item button:not([disabled])");
      if (suggested) { suggested.click(); done = true; }
    }
    if (done) event.preventDefault();
  });
})();
