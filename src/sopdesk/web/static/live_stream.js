// sopdesk's live stream: one GET /events per browser and session, shared by all its tabs.
//
// Chromium opens at most six connections per host over HTTP/1.1 and each desk tab held one
// event stream: with six tabs open (knowledge-base articles open in new ones) nothing else
// loaded. Here one SharedWorker (live_worker.js) holds the EventSource and every tab hears it
// through the worker's port. A SharedWorker rather than a leader tab elected with Web Locks:
// the stream then survives any tab's navigation (a leader tab that follows a link would drop
// it, and every tab would reconnect and resync), and no hidden or frozen tab carries it.
//
// htmx-ext-sse asks htmx.createEventSource(url) for its source; this returns an
// EventSource-like object (readyState, onopen, onerror, addEventListener, close) fed by the
// worker, so `htmx:sseOpen`, `htmx:sseError` and the `sse:...` triggers work as before. The
// worker is named after the session's `data-live-stream` key: a person logging in after
// another on this browser gets another worker, so never the first person's events. Where
// SharedWorker is missing (Chrome on Android) or does not start, each tab keeps its own
// EventSource, as htmx-ext-sse makes it.
(function () {
  "use strict";

  var key = document.body && document.body.dataset.liveStream;
  if (!window.htmx || !key || typeof SharedWorker !== "function") return;

  var CONNECTING = 0;
  var OPEN = 1;
  var CLOSED = 2;
  var port = null; // the worker's port, once a source asked for it
  var failed = false; // the worker did not start: one EventSource per tab from now on
  var sources = new Map(); // this page's shared sources by id
  var nextId = 1;
  var attached = attach();

  function nativeSource(url) {
    return new EventSource(url, { withCredentials: true });
  }

  // The tab holds a Web Lock for as long as it lives; the worker asks for the same lock and is
  // granted it when the tab has gone (closed, navigated, discarded), so it forgets the tab.
  function attach() {
    var tab = Math.random().toString(36).slice(2) + Date.now().toString(36);
    if (!navigator.locks) return Promise.resolve(null);
    return new Promise(function (granted) {
      navigator.locks
        .request("sopdesk-live-tab " + tab, function () {
          granted(tab);
          return new Promise(function () {}); // held until the page goes
        })
        .catch(function () { granted(null); });
    });
  }

  function post(message) {
    if (port && !failed) port.postMessage(message);
  }

  class SharedSource extends EventTarget {
    constructor(url) {
      super();
      this.url = new URL(url, location.href).href;
      this.withCredentials = true;
      this.readyState = CONNECTING;
      this.onopen = null;
      this.onerror = null;
      this.id = nextId++;
      this.types = new Set();
      this.subscribed = false;
      sources.set(this.id, this);
      // Subscribe once the page's first pass has added its listeners (htmx processes the page
      // in one go): the worker then knows every event name before it says the stream is open.
      var source = this;
      attached.then(function (tab) {
        if (source.readyState === CLOSED) return;
        source.subscribed = true;
        post({ t: "subscribe", sid: source.id, url: source.url, types: Array.from(source.types), tab: tab });
      });
    }

    // An EventSource has no listener for every event name, so the worker is told each name.
    addEventListener(type, listener, options) {
      super.addEventListener(type, listener, options);
      if (type === "open" || type === "error" || this.types.has(type)) return;
      this.types.add(type);
      if (this.subscribed) post({ t: "listen", sid: this.id, url: this.url, type: type });
    }

    close() {
      if (this.readyState === CLOSED) return;
      this.readyState = CLOSED;
      sources.delete(this.id);
      post({ t: "unsubscribe", sid: this.id, url: this.url });
    }

    settle(state, type) {
      this.readyState = state;
      var event = new Event(type);
      this.dispatchEvent(event);
      var handler = this["on" + type];
      if (typeof handler === "function") handler.call(this, event);
    }
  }
  SharedSource.CONNECTING = CONNECTING;
  SharedSource.OPEN = OPEN;
  SharedSource.CLOSED = CLOSED;

  function receive(message) {
    if (message.t === "problem") {
      console.error("sopdesk live stream: " + message.message);
      return;
    }
    var source = sources.get(message.sid);
    if (!source) return;
    if (message.t === "open") source.settle(OPEN, "open");
    else if (message.t === "error") source.settle(CONNECTING, "error");
    else if (message.t === "event") {
      source.dispatchEvent(new MessageEvent(message.type, {
        data: message.data, lastEventId: message.id, origin: location.origin,
      }));
    }
  }

  // A CLOSED source makes htmx-ext-sse ask for a new one, which is then a tab's own.
  function fail(reason) {
    if (failed) return;
    failed = true;
    console.error("sopdesk live stream: the shared worker did not start (" + reason + "); each tab opens its own stream");
    sources.forEach(function (source) { source.settle(CLOSED, "error"); });
    sources.clear();
  }

  function start() {
    var worker = new SharedWorker("/static/live_worker.js", { name: "sopdesk-live " + key });
    worker.addEventListener("error", function () { fail("script error"); });
    worker.port.onmessage = function (event) { receive(event.data || {}); };
    return worker.port;
  }

  window.htmx.createEventSource = function (url) {
    if (failed) return nativeSource(url);
    if (!port) {
      try {
        port = start();
      } catch (error) {
        fail(String(error));
        return nativeSource(url);
      }
    }
    return new SharedSource(url);
  };
})();
