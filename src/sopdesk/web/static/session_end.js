// sopdesk: a session that ends mid-work (SESSION_MAX_AGE after logging in) loses nothing
// silently. Any htmx request without a valid session gets 401 (web/errors.py), never the login
// page swapped in: this file keeps what the agent typed and the names of the refused actions in
// sessionStorage (this tab only), says "Your session ended — log in again; <action> was not
// saved" with a link that logs in and comes back to this page (never to the action's URL).
// Back on the page after logging in, the typed text returns to its box and is saved again by
// the box's own save (the whole text again: safe to repeat). Actions (tick, take, answer, link,
// wrap up) are not replayed, since the call may have moved on: the agent is told which to redo.
(function () {
  "use strict";

  var STORE = "sopdesk.session-ended";
  var KEEP_MS = 12 * 3600 * 1000;  // what was kept is offered back for one shift, not longer
  var here = location.pathname + location.search;
  var ended = false;  // this page saw its session end: keep the boxes up to date until it goes

  function load() {
    try { return JSON.parse(window.sessionStorage.getItem(STORE) || "null"); } catch (e) { return null; }
  }
  function store(state) {
    try { window.sessionStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* full or off */ }
  }
  function forget() {
    try { window.sessionStorage.removeItem(STORE); } catch (e) { /* off */ }
  }

  function who() {
    var name = document.querySelector(".topbar__name");
    return name ? name.textContent.trim() : "";
  }

  // An element's words without its key hints and badges.
  function words(el) {
    var copy = el.cloneNode(true);
    copy.querySelectorAll("kbd, .kind, .step__now, .step__opt").forEach(function (k) { k.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  // Short enough to read in a sentence: a long step's text ends at a word, with "…".
  function short(text) {
    text = text.replace(/[.:\s]+$/, "");
    return text.length <= 60 ? text : text.slice(0, 60).replace(/\s+\S*$/, "") + "…";
  }

  function labelOf(el) {
    if (el.labels && el.labels.length) return short(words(el.labels[0]));
    return el.getAttribute("aria-label") || el.name || el.id;
  }

  function describe(el) {
    if (!el || !el.matches) return "your last change";
    if (el.dataset.action) return el.dataset.action;
    if (el.matches("input[type=checkbox], input[type=radio]")) {
      return (el.checked ? "ticking “" : "unticking “") + labelOf(el) + "”";
    }
    if (el.matches("textarea, input, select")) return "your “" + labelOf(el) + "”";
    if (el.tagName === "FORM") {
      var legend = el.querySelector("legend");
      return "“" + (legend ? words(legend) : el.getAttribute("aria-label") || "the form") + "”";
    }
    // A button's words, without a count such as "(3 still owed)".
    return "“" + (el.getAttribute("aria-label") || words(el).replace(/\s*\([^)]*\)$/, "")) + "”";
  }

  // What a refused request was for: the field that changed, else the control that asked.
  function causeOf(config) {
    var cause = config.triggeringEvent && config.triggeringEvent.target;
    if (cause && cause.matches && cause.matches("input, select, textarea")) return cause;
    return config.elt;
  }

  // {name, box}: `box` is the id of the text box whose save was refused (its text is kept and
  // saved again after logging in); an action without one is for the agent to do again.
  function actionOf(el) {
    return { name: describe(el), box: el && el.id && keeps(el) ? el.id : null };
  }

  function names(actions) {
    return actions.map(function (a) { return a.name; });
  }

  function savesOnChange(el) {
    var own = el.getAttribute("hx-trigger") || "";
    var form = el.form && el.form.getAttribute("hx-trigger") || "";
    return /(^|,)\s*change\b(?!d)/.test(own) || /(^|,)\s*change\b(?!d)/.test(form);
  }

  // The agent's typing: every text area, and the fields that save themselves as they change
  // (a scenario's form); not search boxes, nor a transfer not yet sent.
  function keeps(el) {
    if (!el.id || el.disabled || !el.closest("#main")) return false;
    if (el.tagName === "TEXTAREA") return true;
    if (el.tagName === "INPUT" && /^(search|hidden|password|checkbox|radio|button|submit|reset|file)$/.test(el.type)) return false;
    return savesOnChange(el);
  }

  function changed(el) {
    if (el.tagName === "SELECT") {
      return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    return el.value !== el.defaultValue;
  }

  function typed() {
    var kept = {};
    document.querySelectorAll("textarea, input, select").forEach(function (el) {
      if (keeps(el) && changed(el)) kept[el.id] = el.value;
    });
    return kept;
  }

  function remember(action) {
    var state = load();
    if (!state || state.page !== here) state = { page: here, who: who(), actions: [] };
    if (action && names(state.actions).indexOf(action.name) === -1) state.actions.push(action);
    state.fields = typed();
    state.at = Date.now();
    store(state);
    return state;
  }

  function listed(items) {
    if (items.length < 2) return items.join("");
    return items.slice(0, -1).join(", ") + " and " + items[items.length - 1];
  }

  // The one message area of this script, at the top of the page's content.
  function note(role) {
    var box = document.getElementById("session-note");
    if (!box) {
      box = document.createElement("div");
      box.id = "session-note";
      var main = document.getElementById("main") || document.body;
      main.insertBefore(box, main.firstChild);
    }
    box.className = "session-note session-note--" + role;
    box.setAttribute("role", role === "ended" ? "alert" : "status");
    box.textContent = "";
    return box;
  }

  function paragraph(box, text, strong) {
    var p = document.createElement("p");
    var lead = document.createElement("strong");
    lead.textContent = strong;
    p.appendChild(lead);
    if (text) p.appendChild(document.createTextNode(" " + text));
    box.appendChild(p);
  }

  function showEnded(state) {
    var box = note("ended");
    var lost = state.actions.length
      ? listed(names(state.actions)) + (state.actions.length === 1 ? " was" : " were") + " not saved."
      : "Nothing you did was lost.";
    paragraph(box, lost + " What you typed stays here and comes back after you log in.",
      "Your session ended — log in again;");
    var link = document.createElement("a");
    link.className = "btn btn--primary";
    link.id = "session-login";
    link.href = "/login?next=" + encodeURIComponent(here);
    link.textContent = "Log in again";
    box.appendChild(link);
    var focused = document.activeElement;
    // Not while the agent types: their next letters would land on the link, not in the box.
    if (!focused || !focused.matches("textarea, input, select")) link.focus();
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!detail.xhr || detail.xhr.status !== 401) return;
    // Never swap the refusal in. It stays an error (htmx logs it, afterRequest says failed),
    // so whatever tracks saves on the page still knows this one did not happen.
    detail.shouldSwap = false;
    var config = detail.requestConfig || {};
    ended = true;
    if (String(config.verb || "get").toLowerCase() === "get") {
      showEnded(remember(null));  // a refresh: nothing the agent did was refused
      return;
    }
    var cause = causeOf(config);
    var action = actionOf(cause);
    // The browser ticked the box before asking; the tick was refused, so the box says so.
    if (cause && cause.matches && cause.matches("input[type=checkbox]")) cause.checked = !cause.checked;
    showEnded(remember(action));
  });

  // Keep what was typed after the message too, up to leaving for the login page.
  window.addEventListener("pagehide", function () { if (ended) remember(null); });

  // Back after logging in: each box gets its text again and saves it its own way.
  function restore(state) {
    var back = [];
    var fire = [];  // every box first, then one change per form (its save sends every field)
    var forms = [];
    Object.keys(state.fields || {}).forEach(function (id) {
      var el = document.getElementById(id);
      if (!el || el.disabled || el.value === state.fields[id]) return;
      el.value = state.fields[id];
      var details = el.closest("details");
      if (details) details.open = true;
      back.push("“" + labelOf(el) + "”");
      if (el.form && forms.indexOf(el.form) !== -1) return;
      if (el.form) forms.push(el.form);
      fire.push(el);
    });
    fire.forEach(function (el) {
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
    return back;
  }

  function showBack(state, back) {
    var box = note("back");
    var told = [];
    var redo = names(state.actions.filter(function (a) { return !a.box; }));
    if (redo.length) told.push("Not saved when your session ended: " + listed(redo) + (redo.length === 1 ? ". Do it again." : ". Do them again."));
    if (back.length) told.push("What you had typed is back and saved again: " + listed(back) + ".");
    paragraph(box, told.join(" "), "You are logged in again.");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn";
    close.textContent = "Dismiss";
    close.addEventListener("click", function () { box.remove(); });
    box.appendChild(close);
  }

  // After htmx has wired the page (its own DOMContentLoaded listener was added first).
  document.addEventListener("DOMContentLoaded", function () {
    var state = load();
    if (!state || state.page !== here || !document.querySelector(".topbar__name")) return;
    forget();
    if (state.who !== who() || Date.now() - state.at > KEEP_MS) return;  // not theirs, or stale
    var back = restore(state);
    if (state.actions.length || back.length) showBack(state, back);
  });
})();
