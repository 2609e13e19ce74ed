// sopdesk desk behaviour: keyboard shortcuts, ticking timers, live-connection status.
// Everything else is htmx; this file holds no business logic.
(function () {
  "use strict";

  var body = document.body;
  // Server time minus browser time, so timers agree with the server whatever the laptop clock says.
  var skew = 0;
  if (body.dataset.serverNow) {
    skew = Date.parse(body.dataset.serverNow) - Date.now();
  }

  // A text box takes letters; a checkbox or a button does not, so shortcuts still work there
  // (the step list leaves the focus on a checkbox).
  // A text editor inside a shadow root (the playbook editor): the key's target is its host.
  function focused(el) {
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return el;
  }

  function isTyping(el) {
    el = focused(el);
    if (!el) return false;
    if (el.isContentEditable || /^(TEXTAREA|SELECT)$/.test(el.tagName)) return true;
    return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(el.type);
  }

  function formatElapsed(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    if (h) return h + "h " + String(m).padStart(2, "0") + "m";
    if (m) return m + "m " + String(r).padStart(2, "0") + "s";
    return r + "s";
  }

  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll("[data-since]").forEach(function (el) {
      var seconds = (now - Date.parse(el.dataset.since)) / 1000;
      el.textContent = formatElapsed(seconds);
      if (el.dataset.lateAfter) {
        el.classList.toggle("is-late", seconds >= Number(el.dataset.lateAfter));
      }
    });
  }
  window.setInterval(tick, 1000);

  function moveRow(step) {
    var links = Array.prototype.slice.call(document.querySelectorAll(".row-link"));
    if (!links.length) return;
    var index = links.indexOf(document.activeElement);
    var next = index === -1 ? (step > 0 ? 0 : links.length - 1) : index + step;
    next = Math.max(0, Math.min(links.length - 1, next));
    links[next].focus();
  }

  // The dialog lists every key of the desk (sopdesk.web.shortcuts); each line names what it
  // needs on the page, and only the lines whose key works here are shown.
  function showPageKeys(dialog) {
    dialog.querySelectorAll("[data-needs]").forEach(function (line) {
      line.hidden = !document.querySelector(line.dataset.needs);
    });
    dialog.querySelectorAll("[data-shortcut-group]").forEach(function (group) {
      group.hidden = !group.querySelector("[data-needs]:not([hidden])");
    });
  }

  function toggleShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (!dialog) return;
    if (dialog.open) { dialog.close(); return; }
    showPageKeys(dialog);
    dialog.showModal();
  }

  // On a call the agent holds (the page marks it [data-leave-guard="<ms>"]), a stray key of the
  // top bar must not drop the call screen: the first press says what a second one does, and
  // only the same key again within that many ms leaves. A click on the link leaves at once.
  var leaving = { key: null, until: 0, timer: null };
  function mayLeave(key, link) {
    var guard = document.querySelector("[data-leave-guard]");
    if (!guard || !link.closest(".topbar__nav")) return true;
    if (leaving.key === key && Date.now() < leaving.until) return true;
    var ms = Number(guard.dataset.leaveGuard) || 2000;
    leaving.key = key;
    leaving.until = Date.now() + ms;
    var hint = document.getElementById("leave-hint");
    if (hint) {
      hint.textContent = "Press " + key.toUpperCase() + " again to leave this call.";
      window.clearTimeout(leaving.timer);
      leaving.timer = window.setTimeout(function () { hint.textContent = ""; }, ms);
    }
    return false;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-open-shortcuts]")) toggleShortcuts();
    var demo = event.target.closest("[data-fill-login]");
    if (demo) {
      // Demo only: fill the form with a listed login, then let the person press Log in.
      document.getElementById("email").value = demo.dataset.fillLogin;
      document.getElementById("password").value = demo.closest("[data-demo-password]").dataset.demoPassword;
      document.querySelector(".login__card button[type=submit]").focus();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var key = event.key;
    if (key === "Escape" && isTyping(event.target)) { focused(event.target).blur(); return; }
    if (isTyping(event.target)) return;
    if (key === "?") { event.preventDefault(); toggleShortcuts(); return; }
    if (key === "j" || key === "k") { event.preventDefault(); moveRow(key === "j" ? 1 : -1); return; }
    // A page's own shortcut (inside <main>) wins over the navigation's.
    var selector = '[data-shortcut="' + key.toLowerCase() + '"]';
    var target = document.querySelector("main " + selector) || document.querySelector(selector);
    if (!target || key.length !== 1) return;
    event.preventDefault();
    if (mayLeave(key.toLowerCase(), target)) target.click();
  });

  // Behaviour the strict CSP refuses inline (onchange=, hx-on:...), declared by data attributes:
  // a filter select submits its form when changed; a form whose request succeeded re-runs the
  // search box it names (the knowledge base's "Tried this FAQ" then shows "✓ FAQ tried").
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-submit-on-change]");
    if (select && select.form) select.form.requestSubmit();
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    // The element that made the request: when a search answered meanwhile and replaced the
    // results (the form with them), htmx tells the closest ancestor still in the page instead.
    var config = event.detail.requestConfig;
    var asker = (config && config.elt) || event.target;
    var form = asker.closest && asker.closest("form[data-then-search]");
    if (!form || !event.detail.successful || !window.htmx) return;
    var box = document.querySelector(form.dataset.thenSearch);
    if (box) window.htmx.trigger(box, "search");
  });

  // The live indicator: words as well as a colour.
  function setLive(state, text) {
    var el = document.getElementById("live-status");
    if (!el) return;
    el.className = "live live--" + state;
    el.textContent = text;
  }
  body.addEventListener("htmx:sseOpen", function () {
    setLive("on", "Live");
    // Events sent before this stream opened (page load, reconnect) were not seen: re-fetch
    // whatever listens for resync, exactly as if the server had asked for it.
    document.querySelectorAll('[hx-trigger*="sse:resync"]').forEach(function (el) {
      htmx.trigger(el, "sse:resync");
    });
  });
  body.addEventListener("htmx:sseError", function () { setLive("off", "Reconnecting…"); });

  // Keep focus on the same call when the queue re-renders around it.
  var focusedId = null;
  body.addEventListener("htmx:beforeSwap", function () {
    var row = document.activeElement && document.activeElement.closest("tr[data-id]");
    focusedId = row ? row.dataset.id : null;
  });
  body.addEventListener("htmx:afterSwap", function () {
    tick();
    if (focusedId) {
      var link = document.querySelector('tr[data-id="' + focusedId + '"] .row-link');
      if (link) link.focus();
      focusedId = null;
    }
  });
})();
