// Playwright drives Debian's Chromium (no browser download: install with
// PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1) against wsbeat-server, which
// webServer builds and starts from this checkout. Two workers run in
// parallel; each uses its own tag, so their faults do not touch each other.
import { defineConfig } from '@playwright/test';

const port = Number(process.env.WSBEAT_PORT || 18731);
export const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  workers: 2,
  retries: 0,
  // Generous bounds for a loaded CI machine; a passing run takes seconds.
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: 'list',
  use: {
    baseURL,
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-quic',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: `go run ../../cmd/wsbeat-server -addr 127.0.0.1:${port} -quiet ` +
      '-static /=public -static /dist/=../../dist -static /vue/=node_modules/vue/dist',
    url: `${baseURL}/control/stats`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
