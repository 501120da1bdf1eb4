// Browser tests of the skillcert web app (issue 5): Playwright driving Debian's Chromium
// (/usr/bin/chromium, never a downloaded browser) against the real `skillcert` binary, started by
// support/global-setup.ts with a fresh database and the built SPA (frontend/dist).
import { defineConfig } from '@playwright/test';
import { PLATFORM_NOW } from './support/clock';

export default defineConfig({
  testDir: './tests',
  globalSetup: './support/global-setup.ts',
  // One browser at a time: the tests share one server and one database, and the main flow is a
  // story told in order (institution → supervisor → institution → supervisor).
  workers: 1,
  fullyParallel: false,
  // A flaky test must show up as a failure, not be hidden by a retry.
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    // The server's address is known only once the global setup has started it (on a free port):
    // support/fixtures.ts reads it from SKILLCERT_E2E_BASE_URL and opens each browser context with
    // it and the same locale, time zone and window as here.
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1440, height: 900 },
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  metadata: { platformNow: PLATFORM_NOW },
});
