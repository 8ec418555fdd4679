import { test, expect } from './fixtures.js';
import { control } from '../../../js/testing/control.js';
import { baseURL } from '../playwright.config.js';

test('recovers from a dropped connection', async ({ app, server }) => {
  await expect(app.getByTestId('opens')).toHaveText('1');
  expect(await server.drop()).toBe(1);
  // The browser sees 1006 and wsbeat reconnects at once.
  await expect(app.getByTestId('last-close')).toHaveText('1006');
  await expect(app.getByTestId('opens')).toHaveText('2');
  await expect(app.getByTestId('status')).toHaveText('OPEN');
  await server.waitFor({ open: 1 });

  // The new connection works.
  await app.getByTestId('draft').fill('after the drop');
  await app.getByTestId('send').click();
  await expect(app.getByTestId('last-message')).toHaveText('after the drop');
  expect(await server.messages()).toEqual(['after the drop']);
});

test('finds a half-open connection by its heartbeat', async ({ app, server }) => {
  expect(await server.silence()).toBe(1);
  // Nothing comes back, not even a close: the heartbeat times out (4000)
  // and wsbeat opens a new connection.
  await expect(app.getByTestId('last-close')).toHaveText('4000');
  await expect(app.getByTestId('opens')).toHaveText('2');
  await expect(app.getByTestId('status')).toHaveText('OPEN');
  const stats = await server.stats();
  expect(stats.accepted).toBe(2);
});

test('shows a message the server pushes', async ({ app, server }) => {
  expect(await server.send('hello from the server')).toBe(1);
  await expect(app.getByTestId('last-message')).toHaveText('hello from the server');
});

test('reconnects once upgrades are accepted again', async ({ app, server }) => {
  await server.reject(60_000, 503);
  await server.close(4001, 'maintenance');
  // 4001, then refused attempts (each a close event of its own) ...
  await expect(app.getByTestId('closes')).toContainText('4001');
  await expect.poll(async () => (await server.stats()).rejected).toBeGreaterThan(1);
  await expect(app.getByTestId('status')).not.toHaveText('OPEN');
  // ... until the window ends.
  await server.reject(0);
  await expect(app.getByTestId('opens')).toHaveText('2');
  await expect(app.getByTestId('status')).toHaveText('OPEN');
});

// Another tag's faults, from this test and from the other worker's tests
// running at the same time, never reach this page.
test('faults on another tag do not reach this page', async ({ app, server, browser, tag }) => {
  const otherTag = `${tag}-other`;
  const other = control(baseURL, { tag: otherTag });
  const otherPage = await browser.newPage({ baseURL });
  try {
    await otherPage.goto(`/?tag=${otherTag}`);
    await expect(otherPage.getByTestId('status')).toHaveText('OPEN');
    await other.waitFor({ open: 1 });
    expect(await other.drop()).toBe(1);
    await expect(otherPage.getByTestId('opens')).toHaveText('2');
    await other.waitFor({ open: 1 });
    expect(await other.silence()).toBe(1);
    await expect(otherPage.getByTestId('last-close')).toHaveText('4000');
    // Once the page has its new connection, the server has it too (it
    // registers a connection before its 101 goes out).
    await expect(otherPage.getByTestId('opens')).toHaveText('3');
    expect(await other.send('for the other page')).toBe(1);
    await expect(otherPage.getByTestId('last-message')).toHaveText('for the other page');
  } finally {
    await otherPage.close();
  }
  await app.waitForTimeout(1000);
  await expect(app.getByTestId('opens')).toHaveText('1');
  await expect(app.getByTestId('last-close')).toHaveText('none');
  await expect(app.getByTestId('last-message')).toHaveText('');
  expect(await server.stats()).toMatchObject({ open: 1, accepted: 1, rejected: 0 });
});
