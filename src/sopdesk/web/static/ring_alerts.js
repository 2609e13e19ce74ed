// sopdesk ringing alerts on the live queue: a sound, a desktop notification when the tab is
// hidden, the ringing count in the tab title and favicon, a highlight on the new row and a
// screen-reader announcement. Only while the agent is Available (body[data-presence], re-read
// on every event; no attribute means available). No business logic: which calls ring, and how
// urgent each is (the row's data-level), is what the server rendered.
(function () {
  "use strict";

  var rows = document.getElementById("queue-rows");
  var controls = document.getElementById("ring-alerts");
  if (!rows || !controls) return;

  var MUTE_KEY = "sopdesk.ringMuted";
  var PENDING_MS = 30000; // an event whose row never shows up ringing is forgotten after this
  var body = document.body;
  var baseTitle = document.title;
  var icon = document.querySelector('link[rel="icon"]');
  var baseIcon = icon ? icon.getAttribute("href") : null;
  var pending = {}; // call id -> {data, at}: rung, row not yet seen
  var highlighted = {}; // call id -> level: rows that rang while this page watched

  // ---- preferences -------------------------------------------------------------------------
  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode: not kept */ }
  }
  var muted = stored(MUTE_KEY) === "1";

  function available() {
    return (body.dataset.presence || "available").toLowerCase() === "available";
  }

  // ---- sound: Web Audio tones, nothing downloaded -----------------------------------------
  // [frequency Hz, start s, length s]: the highest urgency is a faster, higher double tone.
  var TONES = {
    critical: [[1319, 0, 0.11], [988, 0.14, 0.11], [1319, 0.4, 0.11], [988, 0.54, 0.11]],
    elevated: [[784, 0, 0.18], [659, 0.26, 0.18]],
    routine: [[523, 0, 0.3]],
  };
  var audio = null;

  function audioContext() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!audio && Context) audio = new Context();
    return audio;
  }

  // Browsers let a page start sound only after a click or key press on it: open the audio
  // context on the first one, so a call that rings later can be heard.
  function unlock() {
    var ctx = audioContext();
    if (ctx && ctx.state === "suspended") ctx.resume().catch(function () { setHint(true); });
    setHint(false);
    document.removeEventListener("pointerdown", unlock, true);
    document.removeEventListener("keydown", unlock, true);
  }
  document.addEventListener("pointerdown", unlock, true);
  document.addEventListener("keydown", unlock, true);

  function tones(ctx, level) {
    var start = ctx.currentTime + 0.02;
    var peak = level === "critical" ? 0.3 : 0.2;
    (TONES[level] || TONES.routine).forEach(function (tone) {
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      var at = start + tone[1], end = at + tone[2];
      osc.type = level === "critical" ? "triangle" : "sine";
      osc.frequency.value = tone[0];
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(peak, at + 0.015);
      gain.gain.exponentialRampToValueAtTime(0.0001, end);
      osc.connect(gain).connect(ctx.destination);
      osc.start(at);
      osc.stop(end + 0.02);
    });
  }

  function ring(level) {
    var sticky = navigator.userActivation;
    if (sticky && !sticky.hasBeenActive && !audio) { setHint(true); return; }
    var ctx = audioContext();
    if (!ctx) return;
    if (ctx.state === "running") { tones(ctx, level); return; }
    var asked = Date.now();
    ctx.resume().then(function () {
      // A ring heard seconds late (when a click finally allowed sound) would be misleading.
      if (ctx.state === "running" && Date.now() - asked < 2000) tones(ctx, level);
    }, function () { setHint(true); });
    if (ctx.state !== "running") setHint(true);
  }

  function setHint(show) {
    var hint = document.getElementById("ring-sound-hint");
    if (hint) hint.hidden = !show;
  }

  // ---- controls ----------------------------------------------------------------------------
  var muteButton = document.getElementById("ring-mute");
  var notifyButton = document.getElementById("ring-notify");
  var notifyState = document.getElementById("ring-notify-state");

  function showMute() {
    muteButton.setAttribute("aria-pressed", muted ? "true" : "false");
  }
  muteButton.addEventListener("click", function () {
    muted = !muted;
    store(MUTE_KEY, muted ? "1" : "0");
    showMute();
  });

  function notifications() {
    return "Notification" in window ? window.Notification : null;
  }
  function showNotify() {
    var api = notifications();
    var permission = api ? api.permission : "unsupported";
    notifyButton.hidden = permission !== "default";
    notifyState.hidden = permission === "default";
    notifyState.textContent = {
      granted: "Desktop alerts on",
      denied: "Desktop alerts blocked in the browser",
      unsupported: "No desktop alerts in this browser",
    }[permission] || "";
  }
  // The browser asks only when the agent presses the button, never on load.
  notifyButton.addEventListener("click", function () {
    var api = notifications();
    if (!api) return;
    var answer = api.requestPermission(showNotify); // old Safari answers through the callback
    if (answer && answer.then) answer.then(showNotify);
  });

  showMute();
  showNotify();
  controls.hidden = false;

  // ---- what the agent sees and hears -------------------------------------------------------
  function describe(data) {
    var caller = data.caller_name || data.caller_number || "an unknown caller";
    var urgency = (data.urgency_name || "").toLowerCase();
    return (data.label || data.line_name) + " call from " + caller + ", " + urgency + " urgency";
  }

  var announceTimer = null;
  function announce(text, urgent) {
    var polite = document.getElementById("ring-announce");
    var assertive = document.getElementById("ring-announce-urgent");
    var region = urgent ? assertive : polite;
    polite.textContent = "";
    assertive.textContent = "";
    // Emptied first, filled a moment later: the same words twice are still read twice.
    window.clearTimeout(announceTimer);
    announceTimer = window.setTimeout(function () { region.textContent = text; }, 100);
  }

  function notify(data, text, id, level) {
    var api = notifications();
    if (!api || api.permission !== "granted" || document.visibilityState !== "hidden") return;
    try {
      var note = new api("Call ringing: " + (data.label || data.line_name), {
        body: text.charAt(0).toUpperCase() + text.slice(1),
        tag: "sopdesk-call-" + id,
        icon: baseIcon || undefined,
        requireInteraction: level === "critical",
        silent: true, // the page plays its own sound, which the agent can mute
      });
      note.onclick = function () {
        window.focus();
        var link = rows.querySelector('tr[data-id="' + id + '"] .row-link');
        if (link) link.focus();
        note.close();
      };
    } catch (e) {
      // Some browsers (Android Chrome) allow notifications from service workers only.
    }
  }

  var RANK = { routine: 0, elevated: 1, critical: 2 };
  function highest(levels) {
    return levels.reduce(function (top, level) {
      return (RANK[level] || 0) > (RANK[top] || 0) ? level : top;
    }, "routine");
  }

  function badge(count, level) {
    var fill = { critical: "#b42318", elevated: "#d48806", routine: "#1f5fbf" }[level];
    var svg =
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">' +
      '<rect width="32" height="32" rx="7" fill="#152030"/>' +
      '<path d="M9 11h14M9 16h14M9 21h9" stroke="#7fb2ff" stroke-width="3" stroke-linecap="round"/>' +
      '<circle cx="21.5" cy="21.5" r="10" fill="' + fill + '" stroke="#fff" stroke-width="1.5"/>' +
      '<text x="21.5" y="26" font-family="Arial,Helvetica,sans-serif" font-size="' +
      (count > 9 ? 10 : 13) + '" font-weight="700" fill="#fff" text-anchor="middle">' +
      (count > 9 ? "9+" : String(count)) + "</text></svg>";
    return "data:image/svg+xml," + encodeURIComponent(svg);
  }

  // The tab shows how many calls ring now, whoever's event brought them; restored at none.
  function showCount() {
    var ringing = Array.prototype.slice.call(rows.querySelectorAll('tr[data-state="ringing"]'));
    var count = available() ? ringing.length : 0;
    document.title = count ? "(" + count + ") " + baseTitle : baseTitle;
    if (!icon) return;
    var levels = ringing.map(function (row) { return row.dataset.level; });
    var href = count ? badge(count, highest(levels)) : baseIcon;
    if (icon.getAttribute("href") !== href) icon.setAttribute("href", href);
  }

  function highlight(row, level, fresh) {
    row.classList.add("ring-new", "ring-new--" + level);
    if (fresh) row.classList.add("ring-new--pulse");
  }

  // ---- events ------------------------------------------------------------------------------
  rows.addEventListener("htmx:sseMessage", function (event) {
    var message = event.detail;
    if (event.target !== rows || !message || !message.data) return;
    var data;
    try { data = JSON.parse(message.data); } catch (e) { return; }
    if (message.type === "interaction.ringing" && data.state === "ringing") {
      if (available()) pending[data.id] = { data: data, at: Date.now() };
    } else if (data.id in pending && data.state !== "ringing") {
      delete pending[data.id]; // taken or hung up before its row was shown: nothing to ring
    }
    showCount();
  });

  rows.addEventListener("htmx:afterSwap", function (event) {
    if (event.target !== rows) return;
    // The rows were re-rendered: keep the highlight on calls that still ring.
    Object.keys(highlighted).forEach(function (id) {
      var row = rows.querySelector('tr[data-id="' + id + '"][data-state="ringing"]');
      if (row) highlight(row, highlighted[id], false); else delete highlighted[id];
    });
    var now = Date.now(), rung = [];
    Object.keys(pending).forEach(function (id) {
      var row = rows.querySelector('tr[data-id="' + id + '"]');
      if (row && row.dataset.state === "ringing") {
        rung.push({ id: id, row: row, data: pending[id].data, level: row.dataset.level });
        delete pending[id];
      } else if (now - pending[id].at > PENDING_MS) {
        delete pending[id];
      }
    });
    if (rung.length && available()) {
      var levels = rung.map(function (call) { return call.level; });
      var texts = rung.map(function (call) {
        highlighted[call.id] = call.level;
        highlight(call.row, call.level, true);
        var text = describe(call.data);
        notify(call.data, text, call.id, call.level);
        return text;
      });
      var top = highest(levels);
      announce(texts.join(". "), top === "critical");
      if (!muted) ring(top);
    }
    showCount();
  });

  // The presence control (elsewhere) changes body[data-presence]: the tab follows at once.
  if (window.MutationObserver) {
    new MutationObserver(showCount).observe(body, { attributes: true, attributeFilter: ["data-presence"] });
  }
  showCount();
})();
