// sopdesk call screen: what the agent types is saved in order, and never lost silently.
// Each [data-autosave] box (the summary, each scenario form) has hx-trigger="autosave"; this
// file says when: after a pause in typing, and at once on a change (Esc, Tab, a choice). htmx
// sends one save at a time per box and queues the next (read from the box when it leaves).
//  - Wrap-up, release and transfer wait until every box is saved (flush), then go.
//  - Leaving the page with something unsaved warns (beforeunload) and sends it; the text is
//    also kept in this tab's sessionStorage until saved, and sent again after a reload.
//  - Each box is written over the version it was based on (If-Match, from the last save's
//    ETag). Saved elsewhere meanwhile (another tab), the server refuses it (412) with a panel
//    showing both texts: keep mine writes over the stored version, take theirs puts it in the
//    box. A summary with nothing unsaved takes a newer one from the live refresh.
// No rules here: the server decides what is stale, what is valid and what is owed.
(function () {
  "use strict";

  var call = document.querySelector("[data-call]");
  if (!call || !window.htmx) return;

  var PAUSE_MS = 1200;
  var FLUSH_TIMEOUT_MS = 15000;
  // Controls that end the agent's work on the call: they wait for every save.
  var FLUSH_FIRST = "#wrap-up, #release-call, form.call-owner__transfer";
  var boxes = [];
  var waiters = [];

  // -- a box: its text, what the server has, what is on the way ---------------------------

  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, function (f) {
      return f.name && f.name.indexOf("f.") === 0 && !f.matches(":disabled");
    });
  }

  // What the agent typed into a box, comparable with what was saved (a form's typed fields;
  // its step checkboxes save on change and are re-rendered by the server).
  function textOf(el) {
    if (el.tagName !== "FORM") return el.value;
    return JSON.stringify(fieldsOf(el).map(function (f) { return [f.name, f.value]; }));
  }

  function setText(el, text) {
    if (el.tagName !== "FORM") { el.value = text; return; }
    var values = {};
    JSON.parse(text).forEach(function (pair) { values[pair[0]] = pair[1]; });
    fieldsOf(el).forEach(function (f) { if (f.name in values) f.value = values[f.name]; });
  }

  function Box(el) {
    this.el = el;
    this.saved = textOf(el);
    this.version = el.dataset.version != null ? el.dataset.version : null;
    this.sending = null; // the text of the save on the way, if any
    this.conflict = false;
    this.failed = null;
    this.timer = null;
    this.draftKey = "sopdesk:unsaved:" + location.pathname + "#" + el.id;
  }

  Box.prototype.dirty = function () { return textOf(this.el) !== this.saved; };
  // A read-only screen (someone else's call, a closed one) disables every field.
  Box.prototype.usable = function () {
    if (this.el.tagName !== "FORM") return !this.el.disabled;
    return this.el.querySelector("input:enabled, select:enabled, textarea:enabled") !== null;
  };
  Box.prototype.pending = function () {
    return this.sending !== null || this.conflict || this.dirty();
  };

  function boxOf(el) {
    var host = el && el.closest ? el.closest("[data-autosave]") : null;
    for (var i = 0; i < boxes.length; i++) if (boxes[i].el === host) return boxes[i];
    return null;
  }

  function anyPending() {
    return boxes.some(function (b) { return b.pending(); });
  }

  // -- when to save ----------------------------------------------------------------------

  function saveNow(box, always) {
    window.clearTimeout(box.timer);
    box.timer = null;
    if (box.conflict || !box.usable()) return;
    if (!always && !box.dirty()) return;
    if (box.sending !== null && box.sending === textOf(box.el)) return; // already on its way
    window.htmx.trigger(box.el, "autosave");
  }

  function later(box) {
    window.clearTimeout(box.timer);
    box.timer = window.setTimeout(function () { saveNow(box, false); }, PAUSE_MS);
  }

  document.addEventListener("input", function (event) {
    var box = boxOf(event.target);
    if (!box) return;
    box.failed = null;
    keepDraft(box);
    render(box);
    if (event.target.type === "checkbox" || event.target.tagName === "SELECT") return; // change
    later(box);
  });
  document.addEventListener("change", function (event) {
    var box = boxOf(event.target);
    // A step's checkbox is not in textOf: its change is always sent.
    if (box) saveNow(box, event.target.type === "checkbox");
  });
  document.addEventListener("submit", function (event) {
    var box = boxOf(event.target);
    if (!box) return;
    event.preventDefault(); // a scenario's Save button and Enter: saved like any change
    saveNow(box, true);
  });

  // -- the saves, as htmx sends them -----------------------------------------------------

  document.addEventListener("htmx:configRequest", function (event) {
    var box = boxOf(event.detail.elt);
    if (!box || event.detail.elt !== box.el) return;
    box.sending = textOf(box.el);
    if (box.version !== null) event.detail.headers["If-Match"] = '"' + box.version + '"';
    render(box);
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var box = boxOf(event.detail.requestConfig && event.detail.requestConfig.elt);
    if (box && event.detail.xhr.status === 412) {
      event.detail.shouldSwap = true; // the panel with both texts
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var box = boxOf(event.detail.elt);
    if (!box || event.detail.elt !== box.el) return;
    var xhr = event.detail.xhr;
    var sent = box.sending;
    box.sending = null;
    if (xhr.status >= 200 && xhr.status < 300) {
      box.saved = sent;
      box.failed = null;
      var tag = xhr.getResponseHeader("ETag");
      if (tag) box.version = tag.replace(/^W\//, "").replace(/"/g, "");
      if (!box.dirty()) dropDraft(box);
    } else if (xhr.status === 412) {
      box.conflict = true;
    } else {
      box.failed = xhr.status ? "the server answered " + xhr.status : "no answer from the server";
    }
    render(box);
    // After htmx has sent a save it queued meanwhile (it does so once this event is over).
    window.setTimeout(settle, 0);
  });

  // -- flush: every box saved, or a reason why not ---------------------------------------

  function settle() {
    var blocked = null;
    boxes.forEach(function (b) {
      if (b.conflict) blocked = blocked || "conflict";
      else if (b.failed && b.sending === null) blocked = blocked || b.failed;
      else if (b.sending === null && b.dirty()) saveNow(b, false);
    });
    var done = !anyPending();
    if (!blocked && !done) return;
    waiters.splice(0).forEach(function (w) {
      window.clearTimeout(w.timer);
      if (blocked) w.reject(blocked); else w.resolve();
    });
  }

  function flush() {
    return new Promise(function (resolve, reject) {
      var waiter = { resolve: resolve, reject: reject };
      waiter.timer = window.setTimeout(function () {
        waiters = waiters.filter(function (w) { return w !== waiter; });
        reject("the save did not finish");
      }, FLUSH_TIMEOUT_MS);
      waiters.push(waiter);
      boxes.forEach(function (b) {
        b.failed = null; // tried once more before giving up
        if (b.sending === null) saveNow(b, false);
      });
      settle();
    });
  }

  // The same control after the flush: the saves' answers may have re-rendered it.
  function counterpart(elt) {
    if (document.body.contains(elt)) return elt;
    if (elt.id) return document.getElementById(elt.id);
    var inner = elt.querySelector("[id]");
    var fresh = inner && document.getElementById(inner.id);
    return fresh && fresh.closest(elt.tagName);
  }

  function press(detail, values) {
    if (document.body.contains(detail.elt)) { detail.issueRequest(false); return; }
    var fresh = counterpart(detail.elt);
    if (!fresh) return; // gone: the call changed hands or closed meanwhile, the page says so
    if (fresh.tagName === "FORM") {
      Object.keys(values).forEach(function (name) {
        if (fresh.elements[name]) fresh.elements[name].value = values[name];
      });
      fresh.requestSubmit();
    } else {
      fresh.click();
    }
  }

  function formValues(elt) {
    var values = {};
    if (elt.tagName === "FORM") new FormData(elt).forEach(function (v, k) { values[k] = v; });
    return values;
  }

  var waitingControls = []; // pressed while saves were pending: each goes once they are done

  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    if (!elt.matches || !elt.matches(FLUSH_FIRST) || !anyPending()) return;
    event.preventDefault();
    var key = elt.id || elt.className;
    if (waitingControls.indexOf(key) !== -1) return; // W pressed twice: it goes once
    waitingControls.push(key);
    var values = formValues(elt);
    var done = function () {
      waitingControls = waitingControls.filter(function (k) { return k !== key; });
    };
    flush().then(
      function () { done(); press(event.detail, values); },
      function (why) { done(); notSent(why); });
  });

  function notSent(why) {
    var panel = document.querySelector("[data-conflict-for]");
    if (why === "conflict" && panel) {
      var keep = panel.querySelector("[data-conflict-choice]");
      panel.scrollIntoView({ block: "center" });
      if (keep) keep.focus();
      return;
    }
    var flash = document.getElementById("call-flash");
    if (!flash) return;
    var alert = document.createElement("div");
    alert.className = "alert alert--danger";
    alert.setAttribute("role", "alert");
    alert.textContent = "Not done: what you typed is not saved yet (" + why + "). It is still " +
      "in the box; try again.";
    flash.appendChild(alert); // after the server's own reason, if it gave one
  }

  // -- a stale save: keep mine, or take theirs ------------------------------------------

  function clearConflict(panel) {
    var empty = document.createElement("div");
    empty.id = panel.id;
    empty.hidden = true;
    panel.replaceWith(empty);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-conflict-choice]");
    if (!button) return;
    var panel = button.closest("[data-conflict-for]");
    var box = boxOf(document.getElementById(panel.dataset.conflictFor));
    if (!box) return;
    box.version = panel.dataset.version;
    box.conflict = false;
    if (button.dataset.conflictChoice === "take") {
      panel.querySelectorAll("[data-conflict-row]").forEach(function (row) {
        var theirs = row.querySelector(".conflict__theirs").textContent;
        var field = row.dataset.name ? box.el.elements[row.dataset.name] : null;
        if (field) field.value = theirs;
        else if (box.el.tagName !== "FORM") box.el.value = theirs;
      });
      box.saved = textOf(box.el);
      dropDraft(box);
    }
    var keep = button.dataset.conflictChoice === "keep";
    clearConflict(panel);
    var first = box.el.tagName === "FORM" ? box.el.querySelector("input, select, textarea") : null;
    (first || box.el).focus();
    render(box);
    if (keep) saveNow(box, true); // written over the version just seen
    settle();
  });

  // A newer summary from the live refresh (saved in another tab): taken when nothing here is
  // unsaved, so this tab shows it and a later save is not stale.
  function adopt(box) {
    var status = box.el.dataset.status && document.getElementById(box.el.dataset.status);
    if (!status || status.dataset.version == null || box.version === null) return;
    if (Number(status.dataset.version) <= Number(box.version) || box.pending()) return;
    setText(box.el, status.dataset.text || "");
    box.saved = textOf(box.el);
    box.version = status.dataset.version;
  }

  // -- what the agent sees: the box's state in words -------------------------------------

  function render(box) {
    var status = box.el.dataset.status && document.getElementById(box.el.dataset.status);
    if (!status) return;
    var text, state = "";
    if (box.conflict) { text = "Changed elsewhere: choose below"; state = "is-conflict"; }
    else if (box.failed) { text = "Not saved: " + box.failed; state = "is-conflict"; }
    else if (box.sending !== null) { text = "Saving…"; state = "is-pending"; }
    else if (box.dirty()) { text = "Not saved yet"; state = "is-pending"; }
    else text = textOf(box.el).trim() ? "Saved" : "Not written yet";
    status.textContent = text;
    status.classList.remove("is-pending", "is-conflict");
    if (state) status.classList.add(state);
  }

  // Live regions (the status among them) are re-rendered by the server after every action.
  document.addEventListener("htmx:oobAfterSwap", function () {
    boxes.forEach(function (b) { adopt(b); render(b); });
  });

  // -- leaving the page ------------------------------------------------------------------

  function keepDraft(box) {
    try {
      var draft = { text: textOf(box.el), version: box.version };
      window.sessionStorage.setItem(box.draftKey, JSON.stringify(draft));
    } catch (e) { /* storage full or refused: the beforeunload warning still holds */ }
  }

  function dropDraft(box) {
    try { window.sessionStorage.removeItem(box.draftKey); } catch (e) { /* see keepDraft */ }
  }

  // Typed before a reload and perhaps not saved: put it back and send it, over the version it
  // was typed over (the same text already saved changes nothing; another one shows the panel).
  function restoreDraft(box) {
    var draft = null;
    try {
      draft = JSON.parse(window.sessionStorage.getItem(box.draftKey) || "null");
    } catch (e) { draft = null; }
    if (!draft || !box.usable()) { dropDraft(box); return; }
    if (draft.text === box.saved) { dropDraft(box); return; }
    setText(box.el, draft.text);
    box.version = draft.version;
    saveNow(box, false);
  }

  window.addEventListener("beforeunload", function (event) {
    if (!anyPending()) return;
    boxes.forEach(function (b) { if (b.sending === null) saveNow(b, false); });
    event.preventDefault();
    event.returnValue = ""; // Chromium asks "Leave site? Changes you made may not be saved."
  });

  document.querySelectorAll("[data-autosave]").forEach(function (el) { boxes.push(new Box(el)); });
  boxes.forEach(render);
  // A draft is sent again once htmx has wired the boxes (it does so on DOMContentLoaded, which
  // comes after this deferred script).
  function restoreAll() { boxes.forEach(function (b) { restoreDraft(b); render(b); }); }
  if (document.readyState === "complete") restoreAll();
  else document.addEventListener("DOMContentLoaded", restoreAll);
})();
