// sopdesk's shared live stream (SharedWorker; live_stream.js starts it, one per session key).
//
// One EventSource per URL for every tab of the session. A tab subscribes one source at a
// time: {t: "subscribe", sid, url, types, tab}, {t: "listen", sid, url, type},
// {t: "unsubscribe", sid, url}. The worker answers {t: "open" | "error", sid} as the stream
// opens or fails, {t: "event", sid, type, data, id} for each event the source listens to, and
// {t: "problem", message} when something here broke (the tab logs it: a worker's own console
// is out of the page's sight). The stream closes when its last tab has gone.
"use strict";

var streams = new Map(); // url -> {url, source, open, retries, timer, types, subs}

function report(message) {
  streams.forEach(function (stream) {
    stream.subs.forEach(function (sub) { sub.port.postMessage({ t: "problem", message: message }); });
  });
}

function guarded(work) {
  try {
    work();
  } catch (error) {
    report(String(error && error.stack ? error.stack : error));
  }
}

function tell(stream, message) {
  stream.subs.forEach(function (sub) {
    sub.port.postMessage(Object.assign({ sid: sub.sid }, message));
  });
}

function relay(stream, source, type) {
  source.addEventListener(type, function (event) {
    guarded(function () {
      stream.subs.forEach(function (sub) {
        if (!sub.types.has(type)) return;
        sub.port.postMessage({ t: "event", sid: sub.sid, type: type, data: event.data, id: event.lastEventId });
      });
    });
  });
}

function connect(stream) {
  var source = new EventSource(stream.url, { withCredentials: true });
  stream.source = source;
  stream.types.forEach(function (type) { relay(stream, source, type); });
  source.onopen = function () {
    stream.open = true;
    stream.retries = 0;
    tell(stream, { t: "open" });
  };
  source.onerror = function () {
    stream.open = false;
    tell(stream, { t: "error" });
    // A network error: the browser reconnects by itself (after the server's `retry`). An HTTP
    // error (an ended session, a proxy's 502) closes the source for good: open another later,
    // backing off as htmx-ext-sse does, from half a second to a minute.
    if (source.readyState !== EventSource.CLOSED || stream.source !== source) return;
    stream.retries = Math.min(stream.retries * 2 || 1, 128);
    stream.timer = setTimeout(function () { connect(stream); }, stream.retries * 500);
  };
}

function listen(stream, sub, type) {
  sub.types.add(type);
  if (stream.types.has(type)) return;
  stream.types.add(type);
  if (stream.source) relay(stream, stream.source, type);
}

function drop(stream, leaving) {
  stream.subs.forEach(function (sub) {
    if (leaving(sub)) stream.subs.delete(sub);
  });
  if (stream.subs.size > 0) return;
  clearTimeout(stream.timer);
  stream.source.close();
  streams.delete(stream.url);
}

function forgetTab(port) {
  streams.forEach(function (stream) {
    drop(stream, function (sub) { return sub.port === port; });
  });
}

function subscribe(port, message) {
  var stream = streams.get(message.url);
  if (!stream) {
    stream = { url: message.url, source: null, open: false, retries: 0, timer: 0, types: new Set(), subs: new Set() };
    streams.set(stream.url, stream);
    connect(stream);
  }
  var sub = { port: port, sid: message.sid, types: new Set() };
  stream.subs.add(sub);
  (message.types || []).forEach(function (type) { listen(stream, sub, type); });
  if (stream.open) port.postMessage({ t: "open", sid: sub.sid });
  if (message.tab && self.navigator.locks) {
    // Granted once the tab no longer holds it: the tab has gone.
    self.navigator.locks.request("sopdesk-live-tab " + message.tab, function () {
      guarded(function () { forgetTab(port); });
    });
  }
}

function handle(port, message) {
  if (message.t === "subscribe") {
    subscribe(port, message);
    return;
  }
  var stream = streams.get(message.url);
  if (!stream) return;
  var mine = function (sub) { return sub.port === port && sub.sid === message.sid; };
  if (message.t === "unsubscribe") drop(stream, mine);
  else if (message.t === "listen") {
    stream.subs.forEach(function (sub) {
      if (mine(sub)) listen(stream, sub, message.type);
    });
  }
}

self.addEventListener("connect", function (event) {
  var port = event.ports[0];
  port.onmessage = function (message) {
    guarded(function () { handle(port, message.data || {}); });
  };
});

self.addEventListener("error", function (event) { report(event.message || "error"); });
