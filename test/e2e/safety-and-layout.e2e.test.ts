/**
 * On the demo's seed case: safety numbers people actually compare — a QR code beside the
 * digits, the same on both people's screens, and the "vertailtu" mark next to the person
 * in the member list and the chat once he is marked compared — and the main views usable
 * at 390 px (nothing wider than the window) and at 1366 px, clean under axe-core.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, seriousViolations } from './browser-harness';
import { startDemoUnderTest } from './demo-process';
import type { DemoUnderTest } from './demo-process';

let demo: DemoUnderTest;
let browser: Browser;
let addresses: ReadonlyMap<string, string>;
const contexts: BrowserContext[] = [];
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

beforeAll(async () => {
  demo = await startDemoUnderTest('yp-safety-');
  ({ browser, addresses } = demo);
}, 240_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await demo?.close();
}, 60_000);

async function openCase(person: string, width: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  contexts.push(context);
  await context.addInitScript({ content: axeSource });
  const page = await context.newPage();
  await page.goto(addresses.get(person) ?? '');
  await page.getByRole('link', { name: 'Jani, 24 v' }).click();
  await page.getByRole('textbox', { name: 'Yhteinen asiakassuunnitelma' }).waitFor({ timeout: 30_000 });
  return page;
}

describe('safety numbers with a QR code and the compared mark', () => {
  it('shows the same QR code on both screens, and "vertailtu" next to the person in the member list and the chat', async () => {
    const sanna = await openCase('Sanna Virtanen', 1366);
    const tero = await openCase('Tero Hämäläinen', 1366);
    for (const page of [sanna, tero]) await page.getByRole('link', { name: 'Turvanumerot' }).click();
    const teroOnSanna = sanna.locator('li.identity').filter({ has: sanna.getByRole('heading', { name: 'Tero Hämäläinen' }) });
    const sannaOnTero = tero.locator('li.identity').filter({ has: tero.getByRole('heading', { name: 'Sanna Virtanen' }) });
    await teroOnSanna.getByTestId('safety-qr').waitFor({ timeout: 30_000 });
    await sannaOnTero.getByTestId('safety-qr').waitFor({ timeout: 30_000 });
    // The same digits, so the same code: what a camera on one screen reads matches the other.
    expect(await teroOnSanna.getByTestId('safety-number').innerText()).toBe(await sannaOnTero.getByTestId('safety-number').innerText());
    const pathOf = (card: typeof teroOnSanna) => card.locator('[data-testid="safety-qr"] path').getAttribute('d');
    expect(await pathOf(teroOnSanna)).toBe(await pathOf(sannaOnTero));
    expect((await pathOf(teroOnSanna))?.length).toBeGreaterThan(100);
    expect(await teroOnSanna.getByRole('img', { name: 'QR-koodi turvanumerosta henkilön Tero Hämäläinen kanssa' }).count()).toBe(1);
    expect(await seriousViolations(sanna)).toEqual([]);
    await screenshot(sanna, 'safety-qr-1366');
    await teroOnSanna.evaluate((element) => element.scrollIntoView());
    await screenshot(sanna, 'readme-safety-qr', { viewportOnly: true });

    // Not compared yet: the member list says so; the chat stays quiet.
    await sanna.getByRole('link', { name: 'Jäsenet ja suostumus' }).click();
    const teroRow = sanna.locator('li.member').filter({ hasText: 'Tero Hämäläinen' });
    await expect.poll(() => teroRow.getByTestId('verified-mark').getAttribute('data-state'), { timeout: 30_000 }).toBe('unverified');

    await sanna.getByRole('link', { name: 'Turvanumerot' }).click();
    await teroOnSanna.getByRole('button', { name: 'Merkitse varmennetuksi: Tero Hämäläinen' }).click();
    await expect.poll(() => teroOnSanna.innerText(), { timeout: 30_000 }).toContain('Varmennettu');

    await sanna.getByRole('link', { name: 'Jäsenet ja suostumus' }).click();
    await expect.poll(() => teroRow.getByTestId('verified-mark').innerText(), { timeout: 30_000 }).toContain('vertailtu');
    expect(await teroRow.getByTestId('verified-mark').getAttribute('data-state')).toBe('verified');
    expect(await seriousViolations(sanna)).toEqual([]);

    await sanna.getByRole('link', { name: 'Keskustelu' }).click();
    const teroMessage = sanna.locator('article').filter({ hasText: 'Minulla on vapaa aika ensi viikon tiistaina' });
    await expect.poll(() => teroMessage.getByTestId('verified-mark').getAttribute('data-state'), { timeout: 30_000 }).toBe('verified');
    // Jani was not compared: no mark in the chat.
    expect(await sanna.locator('article').filter({ hasText: 'Sopii. Tulen paikalle.' }).getByTestId('verified-mark').count()).toBe(0);
    expect(await seriousViolations(sanna)).toEqual([]);
    await screenshot(sanna, 'chat-verified-1366');
  });
});

describe('layout', () => {
  const TABS = ['Yhteinen suunnitelma', 'Keskustelu', 'Asiakirjat', 'Jäsenet ja suostumus', 'Turvanumerot'] as const;

  for (const width of [390, 1366]) {
    it(`fits ${width} px on every main view, with a one-line status bar`, async () => {
      const page = await openCase('Sanna Virtanen', width);
      const overflow = async () => page.evaluate(() => document.documentElement.scrollWidth);
      for (const tab of TABS) {
        await page.getByRole('link', { name: tab }).click();
        await page.waitForLoadState('networkidle');
        expect({ tab, width: await overflow() }).toEqual({ tab, width: Math.min(await overflow(), width) });
        expect(await seriousViolations(page)).toEqual([]);
        await screenshot(page, `view-${tab.split(' ')[0]?.toLowerCase() ?? tab}-${width}`);
        if (tab === 'Yhteinen suunnitelma' && width === 390) {
          await page.locator('.actions-table').evaluate((element) => element.scrollIntoView());
          await screenshot(page, 'readme-phone-actions', { viewportOnly: true });
        }
      }
      await page.goto(addresses.get('Sanna Virtanen') ?? '');
      await page.getByRole('link', { name: 'Jani, 24 v' }).waitFor({ timeout: 30_000 });
      expect(await overflow()).toBeLessThanOrEqual(width);
      // The status bar is one line: its height is about one line of text.
      const bar = page.locator('footer, .status-bar').first();
      const box = await bar.boundingBox();
      expect(box?.height ?? 0).toBeLessThan(60);
    });
  }
});

describe('revoking consent (last: it removes people from the case)', () => {
  it('moves focus to what was done, not to the next destructive button', async () => {
    const jani = await openCase('Jani', 390);
    await jani.getByRole('link', { name: 'Jäsenet ja suostumus' }).click();
    const revokeButtons = jani.getByRole('button', { name: /^Peru suostumus: / });
    await expect.poll(() => revokeButtons.count(), { timeout: 30_000 }).toBeGreaterThan(1);
    const before = await revokeButtons.count();
    await jani.getByRole('button', { name: 'Peru suostumus: Kela' }).click();
    await jani.getByRole('button', { name: 'Kyllä, peru suostumus' }).click();
    await expect.poll(() => revokeButtons.count(), { timeout: 30_000 }).toBe(before - 1);
    await expect.poll(() => jani.getByTestId('consent-revoked').innerText(), { timeout: 30_000 }).toContain('Kela');
    await expect
      .poll(() => jani.evaluate(() => ({ testId: document.activeElement?.getAttribute('data-testid'), danger: document.activeElement?.className.includes('danger') ?? false })))
      .toEqual({ testId: 'consent-revoked', danger: false });
    expect(await seriousViolations(jani)).toEqual([]);
  });
});
