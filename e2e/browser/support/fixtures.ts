// The fixtures every test uses: the server's address (from the global setup), pages whose clock
// reads the platform's (support/clock.ts), a signed-in page per demo account, and screenshots
// saved under screenshots/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test as base, expect, type Browser, type Page } from '@playwright/test';
import { PLATFORM_NOW } from './clock';

export const PASSWORD = 'Demo@2026';
const SCREENSHOTS = join(__dirname, '..', 'screenshots');

function baseUrl(): string {
  const url = process.env.SKILLCERT_E2E_BASE_URL;
  if (!url) throw new Error('SKILLCERT_E2E_BASE_URL is not set: run the tests with `npm test` (the global setup starts the server)');
  return url;
}

/** A fresh browser context (its own session storage, so its own signed-in user) at the platform's time. */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    baseURL: baseUrl(),
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1440, height: 900 },
  });
  // The browser's date is the server's (both start at PLATFORM_NOW and run on): the wizard's
  // "today" and the countdowns then agree with what the server checks.
  await context.clock.install({ time: new Date(PLATFORM_NOW) });
  return context.newPage();
}

/** Signs in through the login page, as a person would, and waits for the role's home. */
export async function login(page: Page, username: string, home: string | RegExp): Promise<void> {
  await page.goto('/login');
  await page.getByPlaceholder('用户名').fill(username);
  await page.getByPlaceholder('密码').fill(PASSWORD);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await expect(page).toHaveURL(typeof home === 'string' ? new RegExp(`${home.replace(/\//g, '\\/')}(\\?.*)?$`) : home);
  // The header shows who is signed in.
  await expect(page.locator('[data-test="who"]')).toBeVisible();
}

/**
 * A screenshot in screenshots/<name>.png, once the page has settled: the whole page, unless
 * `{ whole: false }` (a page whose parts are sized by the window, e.g. the PDF viewer of the
 * review page, would only grow with it): then the window as it is scrolled.
 */
export async function shot(page: Page, name: string, { whole = true }: { whole?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // No spinner left (Element Plus v-loading masks) before the picture is taken.
  await expect(page.locator('.el-loading-mask').filter({ visible: true })).toHaveCount(0, { timeout: 15_000 });
  const path = join(SCREENSHOTS, `${name}.png`);
  // The workspace scrolls inside its main pane, not the document, so `fullPage` alone would cut
  // the page at the viewport: the window is made as tall as the content for the picture.
  const viewport = page.viewportSize();
  const height = await page.evaluate(() => {
    const panes = Array.from(document.querySelectorAll<HTMLElement>('.app-main'));
    const inner = panes.map((p) => p.getBoundingClientRect().top + p.scrollHeight);
    return Math.ceil(Math.max(document.documentElement.scrollHeight, ...inner));
  });
  const grow = whole && viewport !== null && height > viewport.height;
  if (grow && viewport) {
    await page.setViewportSize({ width: viewport.width, height: Math.min(height, 5000) });
    await page.waitForTimeout(300); // tables re-measure on resize
  }
  await page.screenshot({ path, fullPage: true });
  if (grow && viewport) await page.setViewportSize(viewport);
  return path;
}

export const test = base.extend<{ baseURL: string }>({
  baseURL: async ({}, use) => {
    await use(baseUrl());
  },
});

export { expect };
