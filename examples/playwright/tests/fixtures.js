// A `server` fixture: the control client of wsbeat-server for this test's
// worker, with the worker's own tag, reset before each test, and a `page`
// already on the app with that tag and connected.
import { test as base, expect } from '@playwright/test';
import { control } from '../../../js/testing/control.js';
import { baseURL } from '../playwright.config.js';

export const test = base.extend({
  tag: async ({}, use, testInfo) => {
    await use(`w${testInfo.workerIndex}`);
  },
  server: async ({ tag }, use) => {
    const server = control(baseURL, { tag });
    // A previous test's page may still be closing its socket.
    await server.drop();
    await server.waitFor({ open: 0 });
    await server.reset();
    await use(server);
  },
  app: async ({ page, server, tag }, use) => {
    await page.goto(`/?tag=${tag}`);
    await expect(page.getByTestId('status')).toHaveText('OPEN');
    await server.waitFor({ open: 1 });
    await use(page);
  },
});

export { expect };
