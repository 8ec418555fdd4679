// node --test --experimental-websocket js/testing/
// (Node 22 and later have WebSocket without the flag.)
//
// The control client against the real wsbeat-server, built once from this
// checkout and started on 127.0.0.1 with a token.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';

import { control, ControlError } from './control.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOKEN = 't0ken';
let dir, proc, base;

before(async () => {
  assert.equal(typeof WebSocket, 'function', 'this test needs a global WebSocket: run node with --experimental-websocket');
  dir = mkdtempSync(join(tmpdir(), 'wsbeat-control-'));
  const bin = join(dir, 'wsbeat-server');
  execFileSync('go', ['build', '-o', bin, './cmd/wsbeat-server'], { cwd: repo, stdio: 'inherit' });
  proc = spawn(bin, ['-addr', '127.0.0.1:0', '-quiet', '-token', TOKEN], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  for await (const chunk of proc.stdout) {
    out += chunk;
    if (out.includes('\n')) break;
  }
  const m = /listening on (http:\/\/[^ ]+)/.exec(out);
  assert.ok(m, `no start-up line: ${out}`);
  base = m[1];
});

after(async () => {
  if (proc && proc.exitCode === null) {
    proc.kill('SIGTERM');
    await once(proc, 'exit');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// open connects a WebSocket with tag and resolves once it is open; its
// messages and close event are collected.
function open(tag) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/echo?tag=${tag}`);
  ws.binaryType = 'arraybuffer';
  const got = { messages: [], closed: null };
  ws.onmessage = (e) => got.messages.push(e.data);
  const closed = new Promise((resolve) => {
    ws.onclose = (e) => resolve((got.closed = { code: e.code, reason: e.reason }));
  });
  return new Promise((resolve, reject) => {
    ws.onopen = () => resolve({ ws, got, closed });
    ws.onerror = () => reject(new Error('WebSocket failed to open'));
  });
}

async function until(what, cond) {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('argument errors are TypeErrors that say what is allowed', () => {
  assert.throws(() => control('not a url'), { name: 'TypeError', message: /not a URL/ });
  assert.throws(() => control('ftp://x'), { name: 'TypeError', message: /http:, https:, ws: or wss:/ });
  assert.throws(() => control(base, { tag: 'a b' }), { name: 'TypeError', message: /tag "a b"/ });
  assert.throws(() => control(base, { token: 5 }), { name: 'TypeError', message: /token/ });
  assert.throws(() => control(base).send(5), { name: 'TypeError', message: /send: data/ });
});

test('without the token every call is refused with 401', async () => {
  const c = control(base, { tag: 'x' });
  await assert.rejects(c.stats(), (err) => err instanceof ControlError && err.status === 401 && /token/.test(err.message));
});

test('two tags: faults, sends and stats stay with their own tag', async () => {
  const a = control(base, { tag: 'a', token: TOKEN });
  const b = control(base.replace('http:', 'ws:'), { tag: 'b', token: TOKEN });
  await Promise.all([a.reset(), b.reset()]);
  const a1 = await open('a');
  const b1 = await open('b');
  assert.equal(await a.waitFor({ open: 1 }), 1);
  assert.equal(await b.waitFor({ open: 1 }), 1);

  a1.ws.send('hello a');
  await until('the echo on a', () => a1.got.messages.length === 1);
  assert.deepEqual(await a.messages(), ['hello a']);
  assert.deepEqual(await b.messages(), []);
  assert.deepEqual(await a.stats(), { open: 1, accepted: 1, rejected: 0, received: 1, sent: 1 });

  assert.equal(await b.send('pushed to b'), 1);
  assert.equal(await b.send(new Uint8Array([1, 2, 3])), 1);
  await until('the pushes on b', () => b1.got.messages.length === 2);
  assert.equal(b1.got.messages[0], 'pushed to b');
  assert.deepEqual([...new Uint8Array(b1.got.messages[1])], [1, 2, 3]);
  assert.equal(a1.got.messages.length, 1, 'a got b\'s push');

  assert.equal(await a.close(4001, 'bye a'), 1);
  assert.deepEqual(await a1.closed, { code: 4001, reason: 'bye a' });
  assert.equal(b1.ws.readyState, WebSocket.OPEN, 'closing a closed b');

  assert.equal(await b.drop(), 1);
  assert.equal((await b1.closed).code, 1006);
  assert.equal(await b.waitFor({ open: 0 }), 0);
});

test('silence, reject and a wait that times out', async () => {
  const c = control(base, { tag: 's', token: TOKEN });
  await c.reset();
  const s1 = await open('s');
  await c.waitFor({ open: 1 });
  assert.equal(await c.silence(), 1);
  s1.ws.send('into the void');
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(s1.got.messages, []);
  assert.equal(await c.drop(), 1);
  await s1.closed;

  await c.reject(60000, 403);
  await assert.rejects(open('s'));
  assert.equal((await c.stats()).rejected, 1);
  await c.reset();
  const s2 = await open('s');
  s2.ws.close();

  await assert.rejects(c.waitFor({ open: 5, timeout: 50 }), (err) => err instanceof ControlError && err.status === 408 && /timed out/.test(err.message));
  await assert.rejects(c.close(1005), (err) => err.status === 400 && /close code/.test(err.message));
  await assert.rejects(c.reject(-1), (err) => err.status === 400 && /ms/.test(err.message));
});
