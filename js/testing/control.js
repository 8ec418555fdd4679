// wsbeat/testing: a client for wsbeat-server's control API, for test
// suites (Playwright, Cypress tasks, node:test, vitest) that break their
// page's WebSocket on purpose. No dependencies; it needs a global fetch
// (Node 18+, every browser) or options.fetch.
//
//   import { control } from 'wsbeat/testing';
//   const server = control('http://127.0.0.1:8080', { tag: 'worker-1' });
//   await server.drop();
//
// Every method is one HTTP request to /control/*, with the client's tag
// and token. The server's answers are documented in docs/server.md.

/**
 * ControlError is thrown when the server refuses a control request or
 * cannot be reached: `status` is the HTTP status (0 when there was no
 * answer), and the message is the server's own explanation.
 */
export class ControlError extends Error {
  constructor(message, status, body) {
    super(message);
    this.name = 'ControlError';
    this.status = status;
    this.body = body;
  }
}

const TAG = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * control returns a client for the control API of the wsbeat-server at
 * baseURL (http:, https:, ws: or wss:; a path is ignored). With `tag`, every
 * call acts on and reports only the connections opened with `?tag=<tag>`;
 * without, on all of them. With `token`, every call sends
 * `Authorization: Bearer <token>`.
 */
export function control(baseURL, options = {}) {
  const { tag, token } = options;
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function') {
    throw new TypeError('control: no fetch: pass options.fetch or use a runtime with a global fetch');
  }
  let base;
  try {
    base = new URL(String(baseURL));
  } catch {
    throw new TypeError(`control: baseURL ${JSON.stringify(String(baseURL))} is not a URL; want e.g. "http://127.0.0.1:8080"`);
  }
  const scheme = { 'http:': 'http:', 'https:': 'https:', 'ws:': 'http:', 'wss:': 'https:' }[base.protocol];
  if (!scheme) {
    throw new TypeError(`control: baseURL ${JSON.stringify(String(baseURL))} must be http:, https:, ws: or wss:`);
  }
  if (tag !== undefined && tag !== '' && !(typeof tag === 'string' && TAG.test(tag))) {
    throw new TypeError(`control: tag ${JSON.stringify(tag)} must be 1 to 64 letters, digits, '-', '_', '.' or ':'`);
  }
  if (token !== undefined && typeof token !== 'string') {
    throw new TypeError('control: token must be a string');
  }
  const origin = `${scheme}//${base.host}`;

  async function call(method, name, params = {}, body) {
    const url = new URL(`/control/${name}`, origin);
    if (tag) url.searchParams.set('tag', tag);
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    let resp;
    try {
      resp = await fetchFn(url, { method, headers, body });
    } catch (err) {
      throw new ControlError(`control: ${method} ${url.pathname} failed: ${err?.message ?? err}`, 0);
    }
    const text = await resp.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!resp.ok) {
      const why = json?.error ?? (text.trim() || resp.statusText);
      throw new ControlError(`control: ${method} ${url.pathname}: ${resp.status}: ${why}`, resp.status, json ?? text);
    }
    return json;
  }

  const post = async (name, params, body) => (await call('POST', name, params, body)).affected;

  return Object.freeze({
    tag: tag || undefined,
    /** Ends the TCP connections without a close frame (1006 in browsers). */
    drop: () => post('drop'),
    /** Makes the connections half-open: nothing in, nothing out. */
    silence: () => post('silence'),
    /** Sends a close frame with code and reason. */
    close: (code = 1000, reason = '') => post('close', { code, reason }),
    /** Refuses later upgrades with status (default 503) for ms. */
    reject: async (ms, status) => {
      await call('POST', 'reject', { ms, status });
    },
    /** Sends data (a string as text, bytes as binary) to the open connections. */
    send: (data) => {
      if (typeof data === 'string') return post('send', {}, data);
      if (data instanceof ArrayBuffer || ArrayBuffer.isView(data) || (typeof Blob !== 'undefined' && data instanceof Blob)) {
        return post('send', { binary: 1 }, data);
      }
      throw new TypeError('send: data must be a string, an ArrayBuffer, a typed array, a DataView or a Blob');
    },
    /** The messages the server received, oldest first. */
    messages: () => call('GET', 'messages'),
    /** The counters: open, accepted, rejected, received, sent. */
    stats: () => call('GET', 'stats'),
    /**
     * Resolves once exactly `open` connections are open; rejects with a
     * ControlError (status 408) after `timeout` ms (default 5000, at most
     * 60000).
     */
    waitFor: async ({ open = 1, timeout } = {}) => (await call('GET', 'wait', { open, timeout })).open,
    /** Ends reject windows, clears the message log and the counters. */
    reset: async () => {
      await call('POST', 'reset');
    },
  });
}
