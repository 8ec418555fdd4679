// What wsbeat needs from its host, read when used and never at import, so
// that importing wsbeat in Node, a worker or an SSR build touches nothing:
// the base of relative URLs, CloseEvent (Node 20 has none), and the page's
// life (a window has it, a worker only the network's, Node neither).

// baseURL returns what relative socket URLs resolve against: the
// document's base in a page, the script's location in a worker, nothing in
// Node (where a relative URL is then a SyntaxError).
export function baseURL() {
  if (typeof document !== 'undefined' && document.baseURI) return document.baseURI;
  if (typeof location !== 'undefined' && location.href) return location.href;
  return undefined;
}

// SocketCloseEvent is CloseEvent where the host has one, else an Event
// with the same fields.
export var SocketCloseEvent = typeof CloseEvent === 'function' ? CloseEvent : class CloseEvent extends Event {
  constructor(type, init) {
    super(type, init);
    this.code = (init && init.code) || 0;
    this.reason = (init && init.reason) || '';
    this.wasClean = !!(init && init.wasClean);
  }
};

// watchPage calls page(what) with "offline", "online", "pause" and "resume"
// as the host reports them; a host without events (Node) reports nothing,
// and a worker only the network's.
export function watchPage(page) {
  if (typeof addEventListener !== 'function') return;
  addEventListener('offline', function () { page('offline'); });
  addEventListener('online', function () { page('online'); });
  if (typeof document === 'undefined') return;
  addEventListener('pageshow', function (e) { if (e.persisted) page('resume'); });
  addEventListener('pagehide', function (e) { if (e.persisted) page('pause'); });
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') page('resume');
  });
  document.addEventListener('resume', function () { page('resume'); });
}
