/* Live updates for every dashboard page: one EventSource on /events; each notice becomes
   an htmx event on <body> ("live:order", "live:production", "live:stock", "live:resync"),
   so a fragment refreshes itself with hx-trigger="live:order from:body".
   The page starts the feed at the notice id it was rendered at (<meta name=
   "lotline-live-since">); a reconnect resumes after the last id seen, and "resync" (the
   server no longer has what we missed) refreshes everything. */
(function () {
  "use strict";
  if (!window.EventSource || !window.htmx) { return; }
  var WORDS = {
    en: { live: "Live", reconnecting: "Reconnecting…" },
    it: { live: "In diretta", reconnecting: "Riconnessione…" }
  };
  var words = WORDS[document.documentElement.lang] || WORDS.en;
  var meta = document.querySelector('meta[name="lotline-live-since"]');
  var lastId = meta ? meta.content : "";
  var retry = 1000;
  var pending = {};
  var source = null;

  function say(text) {
    var status = document.getElementById("live-status");
    if (status) { status.textContent = text; }
  }

  /* Bursts of events for one kind are folded into one refresh a moment later, carrying
     every order id concerned, so a busy floor does not reload a panel per event.
     A refresh is held back while any panel's request is in flight (htmx marks it with
     "htmx-request"): htmx queues a trigger that arrives mid-request on the element that
     asked, and a panel that swaps itself (outerHTML) is gone when the queue runs, so the
     second change would be lost and the panel left stale. Held back at most 5 s. */
  var FOLD_MS = 250, BUSY_RETRY_MS = 100, MAX_HOLD_MS = 5000;

  function fire(kind, since) {
    if (document.querySelector(".htmx-request") && Date.now() - since < MAX_HOLD_MS) {
      window.setTimeout(function () { fire(kind, since); }, BUSY_RETRY_MS);
      return;
    }
    var detail = pending[kind];
    delete pending[kind];
    htmx.trigger(document.body, "live:" + kind, detail);
  }

  function announce(kind, data) {
    var ids = data.order_ids || [];
    var waiting = pending[kind];
    if (waiting) {
      ids.forEach(function (id) { if (waiting.order_ids.indexOf(id) < 0) { waiting.order_ids.push(id); } });
      return;
    }
    pending[kind] = { type: data.type, order_ids: ids.slice() };
    window.setTimeout(function () { fire(kind, Date.now()); }, FOLD_MS);
  }

  function connect() {
    var url = "/events" + (lastId ? "?since=" + encodeURIComponent(lastId) : "");
    source = new EventSource(url);
    ["order", "production", "stock"].forEach(function (kind) {
      source.addEventListener(kind, function (event) {
        lastId = event.lastEventId || lastId;
        announce(kind, JSON.parse(event.data));
      });
    });
    source.addEventListener("resync", function (event) {
      lastId = event.lastEventId || lastId;
      announce("resync", {});
    });
    source.onopen = function () {
      retry = 1000;
      document.body.dataset.live = "on";
      say(words.live);
    };
    source.onerror = function () {
      document.body.dataset.live = "off";
      say(words.reconnecting);
      if (source.readyState === EventSource.CLOSED) {  /* the browser gave up: we do not */
        window.setTimeout(connect, retry);
        retry = Math.min(retry * 2, 15000);
      }
    };
  }

  window.addEventListener("pagehide", function () { if (source) { source.close(); } });
  connect();
})();
