/**
 * The browser side of the admin UI tests, set up as test/admin-ui.test.ts does: Debian's Chromium driven by
 * playwright-core with the flags, a fresh context per scenario whose page fails the test on any console
 * error, axe-core evaluated in the page (no serious or critical violation), screenshots in dist/screenshots/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startRelay } from '../src/integration/index.js';
import type { TestApp } from './harness.js';

export const screenshots = path.resolve('dist/screenshots');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(screenshots, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * The test app served on a free port with the admin UI at `base`, a relay — webhooks and notifications go out, as in
 * a running server (src/server.ts); pages follow the live stream, which reads the outbox itself (ADR 0010) — and
 * Chromium. `close`
 * stops the relay and the browser. `relay: false` for screens that need neither.
 */
export async function serveAdminUi(t: Pick<TestApp, 'db' | 'app'>, opts: { relay?: boolean; minPollMs?: number } = {}): Promise<{ base: string; browser: Browser; close: () => Promise<void> }> {
  const relay = opts.relay === false ? null : startRelay({
    db: t.db, logger: { error: () => undefined, warn: () => undefined, info: () => undefined }, webhook: { timeoutMs: 1_000, allowPrivateAddresses: true },
    maxPollMs: 50, ...(opts.minPollMs !== undefined ? { minPollMs: opts.minPollMs } : {}),
  });
  const base = `${await t.app.listen({ port: 0, host: '127.0.0.1' })}/admin/`;
  const browser = await launchBrowser();
  return {
    base, browser,
    close: async () => {
      await relay?.stop();
      await browser.close();
    },
  };
}

/**
 * axe-core run in the page (evaluated through the DevTools protocol, which the page's Content-Security-Policy does
 * not govern): the screen as it is now must have no serious or critical violation.
 */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const violations = await page.evaluate(async (source) => {
    // The test's types have no DOM: the page's globals are described as far as they are used.
    const w = globalThis as unknown as { document: unknown; axe?: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } };
    if (!w.axe) (0, eval)(source);
    const result = await w.axe!.run(w.document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
  }, axeSource);
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), `${screen}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

/** A link of the main navigation, by its exact text (tiles and headings elsewhere may contain the same words). */
export const navLink = (page: Page, name: string) => page.getByRole('navigation', { name: /^(Main|主菜单)$/ }).getByRole('link', { name, exact: true });

/**
 * A fresh browser context (its own cookies) whose page fails the test on any console error. The browser logs every
 * 4xx answer as an error: the 401s of /v1/session (not signed in yet) are the page asking, not a fault, and
 * `expected` names the other answers a scenario provokes on purpose.
 */
export async function openPage(browser: Browser, opts: { viewport?: { width: number; height: number }; expected?: (m: ConsoleMessage) => boolean } = {}): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1366, height: 768 }, locale: 'en-US' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (m.text().includes('401') && m.location().url.endsWith('/v1/session')) return;
    if (opts.expected?.(m)) return;
    errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

/** Signs in and lands on the dashboard. */
export async function signIn(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(base);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}

/** Every loading placeholder of the page gone (a screen may show several at once). */
export async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('main [aria-busy="true"]').length === 0);
}

/**
 * What the UI itself says on the screen, in Chinese: headings, labels, buttons, table headers, navigation, notes.
 * Data (codes, URLs, numbers) have no words of their own, so a text with Latin words must also have Chinese.
 */
export async function untranslated(page: Page, selector = 'main :is(h1, h2, h3, h4, label > span, label.check, button, th, legend, summary, dt, nav a, p.muted)'): Promise<string[]> {
  const texts = await page.locator(selector).allTextContents();
  return texts.filter((text) => /[A-Za-z]{2}/.test(text) && !/[\u4e00-\u9fff]/.test(text));
}
