// sopdesk presence: keep the top bar's status control current. The server decides the state;
// this only re-fetches the control when a live event concerns this agent, and keeps the
// keyboard where it was when the control re-renders.
(function () {
  "use strict";

  var bar = document.getElementById("presence");
  var listen = document.getElementById("presence-listen");
  if (!bar || !listen || !window.htmx) return;
  var me = Number(bar.dataset.userId);

  function shownCall() {
    var form = bar.querySelector("[data-interaction-id]");
    return form && form.dataset.interactionId ? Number(form.dataset.interactionId) : null;
  }

  function concernsMe(kind, data) {
    if (kind === "resync") return true;
    if (kind === "agent.presence") return data.user_id === me;
    // A call of mine changed (accepted, ended, wrapped up), or the call I was shown moved on.
    return data.agent_id === me || (shownCall() !== null && data.id === shownCall());
  }

  // The listener element only hears events; it never swaps their JSON into the page.
  listen.addEventListener("htmx:sseBeforeMessage", function (event) {
    event.preventDefault();
    var message = event.detail;
    var data = {};
    try { data = JSON.parse(message.data || "{}"); } catch (e) { data = {}; }
    if (concernsMe(message.type, data)) htmx.trigger(bar, "presence-refresh");
  });

  // The page's other parts (the ring alerts) read the agent's state from <body>.
  function publishState() {
    var form = bar.querySelector("[data-state]");
    if (form) document.body.dataset.presence = form.dataset.state;
  }

  var hadFocus = null;
  bar.addEventListener("htmx:afterSettle", publishState);
  bar.addEventListener("htmx:beforeSwap", function () {
    var active = document.activeElement;
    hadFocus = active && bar.contains(active) ? active.id || active.tagName : null;
  });
  bar.addEventListener("htmx:afterSwap", function () {
    if (!hadFocus) return;
    var again = document.getElementById(hadFocus) || bar.querySelector(hadFocus);
    if (again) again.focus();
    hadFocus = null;
  });
})();
