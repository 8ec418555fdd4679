// make test-examples: the example apps as real consumers of the packed
// tarball. Each example installs dist/wsbeat-<version>.tgz (never the
// source tree) from its own committed lock file, is built with its own
// tools and checked:
//
//   package   publint and attw on the tarball
//   node      import-safety.mjs (importing runs nothing), then main.mjs
//             against the echo server: open, echo, heartbeat, reconnect
//             after a drop, exit with nothing left on the event loop
//   vitest    the vitest suite (Socket with ws; useSocket under SSR)
//   types     tsc under moduleResolution bundler, node16, node10, globals
//   vite-vue  vite build, then headless Chromium: open, echo, reconnect
//             after the server drops the connection, a dedicated and a
//             shared worker
//   webpack   webpack build, then headless Chromium: open, echo, reconnect
//   csp       the script-tag build under Content-Security-Policy: runs with
//             script-src 'wasm-unsafe-eval', fails without it
//
// node examples/harness/run.mjs [name...] runs a subset. It needs Go (to
// build the echo server), npm and Chromium (CHROMIUM, default
// /usr/bin/chromium); nothing is downloaded but the npm packages.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib } from 'node:zlib';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const examples = resolve(here, '..');
const root = resolve(examples, '..');
const only = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SERVER_PKG = process.env.WSBEAT_SERVER_PKG || './cmd/wsbeat-server';
const TIMEOUT = 60_000; // per browser wait: a 2-core machine shared by many

const failures = [];
const cleanups = [];

async function step(name, fn) {
  if (only.length && !only.some((o) => name === o || name.startsWith(o + ' '))) return;
  const t0 = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failures.push(name);
    console.log(`FAIL ${name}: ${e.message}`);
  }
}

// run runs cmd and resolves with its output, or rejects with the tail of
// it when the command fails.
function run(cmd, args, { cwd = root, env = {}, timeout = 300_000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const p = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeout);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${code ?? signal}:\n${out.split('\n').slice(-40).join('\n')}`));
    });
  });
}

// startServer starts the echo server on a free loopback port, serving
// dir (or no static files), and resolves with its base URL.
function startServer(dir) {
  return new Promise((resolvePromise, reject) => {
    const args = ['-addr', '127.0.0.1:0', '-quiet'].concat(dir ? ['-static', `/=${dir}`] : []);
    const p = spawn(join(root, '.cache/bin/wsbeat-server'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => p.kill());
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        p.stdout.off('data', onData);
        resolvePromise(m[1]);
      }
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => reject(new Error(`echo server exited ${code}: ${out}`)));
  });
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

function brotli(file) {
  return brotliCompressSync(readFileSync(file), { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length;
}

const kb = (n) => `${(n / 1000).toFixed(1)} KB`; // 1 KB = 1000 bytes, as BENCHMARKS.md

// --- the tarball ------------------------------------------------------------

const tarballs = existsSync(join(root, 'dist')) ? readdirSync(join(root, 'dist')).filter((f) => /^wsbeat-.*\.tgz$/.test(f)) : [];
if (tarballs.length !== 1) {
  console.log(`FAIL dist/ holds ${tarballs.length} wsbeat tarballs (${tarballs.join(', ')}); run make pack`);
  process.exit(1);
}
const tgz = join(root, 'dist', tarballs[0]);
const version = JSON.parse(readFileSync(join(root, 'npm/package.json'), 'utf8')).version;
const staged = join(root, 'dist/package/dist');
console.log(`tarball ${tarballs[0]}: ${kb(statSync(tgz).size)}`);

await step('package tarball', async () => {
  assert(tarballs[0] === `wsbeat-${version}.tgz`, `the tarball is ${tarballs[0]}, npm/package.json says ${version}`);
});
await step('package publint', () => run(join(here, 'node_modules/.bin/publint'), ['--strict', tgz], { cwd: here }));
// cjs-resolves-to-esm: the package is ES modules only, as Node >= 20 and
// every bundler import them; wsbeat.wasm is an asset, not a module.
await step('package attw', () => run(join(here, 'node_modules/.bin/attw'),
  [tgz, '--ignore-rules', 'cjs-resolves-to-esm', '--exclude-entrypoints', './dist/wsbeat.wasm', '--format', 'table-flipped'], { cwd: here }));

// install installs an example from its lock file and checks that what
// landed in node_modules is the tarball that make pack just built.
async function install(name) {
  const dir = join(examples, name);
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  const entry = lock.packages['node_modules/wsbeat'];
  assert(entry && entry.resolved === `file:../../dist/wsbeat-${version}.tgz`, `${name}/package-lock.json must resolve wsbeat to ../../dist/wsbeat-${version}.tgz`);
  assert(!entry.integrity, `${name}/package-lock.json pins wsbeat's integrity, so npm would install a cached older tarball; run node harness/relock.mjs ${name}`);
  await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
  for (const f of ['wsbeat.mjs', 'wsbeat.wasm', 'wsbeat.js']) {
    const a = readFileSync(join(dir, 'node_modules/wsbeat/dist', f));
    const b = readFileSync(join(staged, f));
    assert(a.equals(b), `${name}: node_modules/wsbeat/dist/${f} is not the one in the tarball`);
  }
  return dir;
}

await run('go', ['build', '-o', join(root, '.cache/bin/wsbeat-server'), SERVER_PKG], { cwd: root });
const echo = await startServer('');
const echoWS = echo.replace('http:', 'ws:') + '/echo';

// --- Node, vitest, types ------------------------------------------------------

await step('node', async () => {
  const dir = await install('node');
  await run('node', ['import-safety.mjs'], { cwd: dir, timeout: 30_000 });
  await run('node', ['main.mjs', echoWS, echo], { cwd: dir, timeout: 60_000 });
});

await step('vitest', async () => {
  const dir = await install('vitest');
  await run(join(dir, 'node_modules/.bin/vitest'), ['run'], { cwd: dir, env: { WSBEAT_ECHO_URL: echoWS, CI: '1' }, timeout: 120_000 });
});

await step('types', async () => {
  const dir = await install('types');
  await run('npm', ['run', '--silent', 'check'], { cwd: dir });
});

// --- the browser apps -----------------------------------------------------------

let browser = null;
async function newPage() {
  if (!browser) {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    cleanups.push(() => browser.close());
  }
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.errors = errors;
  return page;
}

async function drop(base) {
  const r = await fetch(base + '/control/drop', { method: 'POST' });
  assert(r.ok, `POST /control/drop: HTTP ${r.status}`);
}

const text = (page, id) => page.locator(`[data-testid="${id}"]`).textContent();

await step('vite-vue', async () => {
  const dir = await install('vite-vue');
  await run(join(dir, 'node_modules/.bin/vite'), ['build'], { cwd: dir });
  const base = await startServer(join(dir, 'dist'));
  const page = await newPage();
  await page.goto(base + '/');
  const waitText = (id, want) => page.waitForFunction(([id, want]) => {
    const el = document.querySelector(`[data-testid="${id}"]`);
    return el && (typeof want === 'string' ? el.textContent.trim() === want : el.textContent.includes(want.has));
  }, [id, want], { timeout: TIMEOUT });
  await waitText('status', 'OPEN');
  await page.fill('[data-testid="text"]', 'one');
  await page.click('[data-testid="send"]');
  await waitText('messages', { has: 'one' });
  await drop(base);
  await waitText('opens', '2');
  await waitText('status', 'OPEN');
  await page.fill('[data-testid="text"]', 'two');
  await page.click('[data-testid="send"]');
  await waitText('messages', { has: 'two' });
  await waitText('worker', 'echo: from the worker');
  await waitText('shared-worker', 'echo: from the shared worker');
  assert(page.errors.length === 0, `page errors: ${page.errors.join('; ')}`);

  const assets = readdirSync(join(dir, 'dist/assets'));
  const sizes = assets.map((f) => [f, brotli(join(dir, 'dist/assets', f))]);
  const wasm = sizes.filter(([f]) => f.endsWith('.wasm')).reduce((n, [, s]) => n + s, 0);
  const exec = sizes.filter(([f]) => f.startsWith('wasm_exec')).reduce((n, [, s]) => n + s, 0);
  console.log(`     vite-vue ships (brotli): ${sizes.map(([f, s]) => `${f} ${kb(s)}`).join(', ')}; wsbeat.wasm + wasm_exec ${kb(wasm + exec)}`);
  await page.close();
});

await step('webpack', async () => {
  const dir = await install('webpack');
  await run(join(dir, 'node_modules/.bin/webpack'), ['--mode', 'production'], { cwd: dir });
  const base = await startServer(join(dir, 'dist'));
  const page = await newPage();
  await page.goto(base + '/');
  const waitLog = (line) => page.waitForFunction((line) => {
    const el = document.querySelector('[data-testid="log"]');
    return el && el.textContent.split('\n').includes(line);
  }, line, { timeout: TIMEOUT });
  await waitLog('engine ready');
  await waitLog('echo hello 1');
  await drop(base);
  await waitLog('open 2');
  await waitLog('echo hello 2');
  assert(page.errors.length === 0, `page errors: ${page.errors.join('; ')}`);
  await page.close();
});

// --- Content-Security-Policy --------------------------------------------------------

await step('csp', async () => {
  const dist = join(here, 'node_modules/wsbeat/dist');
  assert(readFileSync(join(dist, 'wsbeat.wasm')).equals(readFileSync(join(staged, 'wsbeat.wasm'))), 'harness/node_modules/wsbeat is not the tarball; npm ci in examples/harness');
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const policies = {
    allowed: "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'",
    blocked: "default-src 'self'; script-src 'self'",
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const [, mode, ...rest] = url.pathname.split('/');
    const name = rest.join('/') || 'index.html';
    const file = name.startsWith('wsbeat/') ? join(dist, name.slice(7)) : join(here, 'csp', name);
    if (!policies[mode] || name.includes('..') || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': types[extname(file)] || 'application/octet-stream', 'Content-Security-Policy': policies[mode] });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}`;
  const page = await newPage();
  // Measure while it loads: the wasm memory of the one engine of the page.
  await page.addInitScript(() => {
    const keep = (p) => p.then((r) => { globalThis.__wsbeatMemory = (r.instance || r).exports.mem; return r; });
    const is = WebAssembly.instantiateStreaming, i = WebAssembly.instantiate;
    WebAssembly.instantiateStreaming = (...a) => keep(is.apply(WebAssembly, a));
    WebAssembly.instantiate = (...a) => keep(i.apply(WebAssembly, a));
  });
  await page.goto(base + '/allowed/');
  await page.waitForFunction(() => document.title !== 'loading', null, { timeout: TIMEOUT });
  const title = await page.title();
  assert(title === 'ready', `with script-src 'wasm-unsafe-eval' the engine did not run: ${title}`);
  const m = await page.evaluate(() => ({ startupMs: WSBeat.startupMs, memory: globalThis.__wsbeatMemory.buffer.byteLength }));
  console.log(`     engine start-up ${m.startupMs.toFixed(0)} ms, wasm memory ${(m.memory / 1048576).toFixed(1)} MB`);
  await page.goto(base + '/blocked/');
  await page.waitForFunction(() => document.title !== 'loading', null, { timeout: TIMEOUT });
  const blocked = await page.title();
  assert(/^failed: .*(WebAssembly|wasm|Content Security Policy)/i.test(blocked), `without 'wasm-unsafe-eval' the engine should fail to compile; title: ${blocked}`);
  await page.close();
});

for (const c of cleanups.reverse()) await c();
if (failures.length) {
  console.log(`\n${failures.length} example check(s) failed: ${failures.join(', ')}`);
  process.exit(1);
}
console.log('\nevery example passed');
