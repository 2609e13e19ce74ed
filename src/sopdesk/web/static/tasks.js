// sopdesk tasks page: live rows. A task written anywhere (task.created, or the stream's resync)
// makes the table body fetch its scope's rows (htmx, hx-swap="none"); this merges in the rows it
// does not show yet and refreshes the others. A task someone else changed (task.updated) has
// its one row re-fetched. A row being worked (focus or typed text inside) is left alone until
// the person leaves it. No business logic: the server renders every row.
(function () {
  "use strict";

  var body = document.getElementById("task-rows");
  var live = document.getElementById("task-live");
  if (!body || !live || !window.htmx) return;
  var me = live.dataset.me;

  function busy(row) {
    var active = document.activeElement;
    if (active && active !== document.body && row.contains(active)) return true;
    return Array.prototype.some.call(row.querySelectorAll("input, textarea, select"), function (el) {
      if (el.tagName === "SELECT") {
        return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      return el.value !== el.defaultValue;
    });
  }

  // Put `fresh` where `old` is, keeping which of its <details> were open.
  function replaceRow(old, fresh) {
    old.querySelectorAll("details[id]").forEach(function (d) {
      var twin = fresh.querySelector("#" + CSS.escape(d.id));
      if (twin) twin.open = d.open;
    });
    old.replaceWith(fresh);
    window.htmx.process(fresh);
  }

  function later(row) {
    if (row.dataset.stale) return;
    row.dataset.stale = "1";
    row.addEventListener("focusout", function check() {
      window.setTimeout(function () {
        if (!document.body.contains(row) || busy(row)) return;
        row.removeEventListener("focusout", check);
        refreshRow(row.dataset.taskId);
      }, 0);
    });
  }

  function refreshRow(id) {
    var row = document.getElementById("task-" + id);
    if (!row) { window.htmx.trigger(body, "tasks:refresh"); return; }
    if (busy(row)) { later(row); return; }
    window.htmx.ajax("GET", "/tasks/" + encodeURIComponent(id) + "/row", { target: row, swap: "outerHTML" });
  }

  live.addEventListener("htmx:sseMessage", function (event) {
    var message = event.detail;
    if (!message || message.type !== "task.updated") return;
    var data;
    try { data = JSON.parse(message.data); } catch (e) { return; }
    if (!data || data.id == null) return;
    if (String(data.by) === me) return; // my own change: its answer is already on screen
    refreshRow(data.id);
  });

  body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt !== body || !event.detail.successful) return;
    var doc = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
    var rows = Array.prototype.slice.call(doc.querySelectorAll("tr[data-task-id]"));
    var previous = null;
    rows.forEach(function (fresh) {
      var adopted = document.importNode(fresh, true);
      var old = document.getElementById(fresh.id);
      if (old) {
        if (busy(old)) later(old); else replaceRow(old, adopted);
        previous = document.getElementById(fresh.id);
        return;
      }
      var empty = body.querySelector(".queue__empty");
      if (empty) empty.remove();
      if (previous && previous.parentNode === body) previous.after(adopted);
      else body.prepend(adopted);
      window.htmx.process(adopted);
      adopted.classList.add("task--new");
      previous = adopted;
    });
  });
})();
