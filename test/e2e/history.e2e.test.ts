/**
 * Plan history in the browser, on the demo's seed case: the version list names verified
 * authors with their organisations; an old version opens read-only, clearly marked, and
 * its text can be selected and copied; restoring it is an edit a second person sees live.
 * axe-core finds nothing serious in the history panel or the old version.
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
  demo = await startDemoUnderTest('yp-history-');
  ({ browser, addresses } = demo);
}, 240_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await demo?.close();
}, 60_000);

async function openPlan(person: string, width: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  contexts.push(context);
  await context.addInitScript({ content: axeSource });
  const page = await context.newPage();
  await page.goto(addresses.get(person) ?? '');
  await page.getByRole('link', { name: 'Jani, 24 v' }).click();
  await page.getByRole('textbox', { name: 'Yhteinen asiakassuunnitelma' }).waitFor({ timeout: 30_000 });
  return page;
}

const liveText = (page: Page) => page.getByRole('textbox', { name: 'Yhteinen asiakassuunnitelma' }).innerText();

/** Sanna and Tero with the plan open, Sanna's version history shown; `before`: the versions listed then. */
async function sannaWatchingHistory() {
  const sanna = await openPlan('Sanna Virtanen', 1366);
  const tero = await openPlan('Tero Hämäläinen', 1366);
  await sanna.getByRole('button', { name: 'Versiohistoria' }).click();
  const list = sanna.getByTestId('plan-history');
  await expect.poll(() => list.locator('li.version').count(), { timeout: 30_000 }).toBeGreaterThan(0);
  return { sanna, tero, list, before: await list.locator('li.version').count() };
}

describe('plan history (Versiohistoria)', () => {
  it('lists versions by author and organisation, shows one read-only, and a restore reaches the other person live', async () => {
    const { sanna, tero, list, before } = await sannaWatchingHistory();

    // Tero writes a line; it becomes the newest version, in his name and organisation.
    const marker = 'Teron historiatesti 4711';
    const teroEditor = tero.getByRole('textbox', { name: 'Yhteinen asiakassuunnitelma' });
    await teroEditor.click();
    await tero.keyboard.press('Control+End');
    await tero.keyboard.press('Enter');
    await tero.keyboard.type(marker);
    await expect.poll(() => liveText(sanna), { timeout: 30_000 }).toContain(marker);
    await expect.poll(() => list.locator('li.version').count(), { timeout: 30_000 }).toBe(before + 1);
    const newest = list.locator('li.version').first();
    expect(await newest.innerText()).toMatch(/Tero Hämäläinen \(.+\)/);
    expect(await seriousViolations(sanna)).toEqual([]);
    await screenshot(sanna, 'history-list-1366');

    // The version before Tero's edit opens read-only, marked as old, without his line.
    await list.locator('li.version').nth(1).getByRole('button', { name: /^Näytä versio/ }).click();
    const old = sanna.getByTestId('old-version');
    await expect.poll(() => old.innerText(), { timeout: 30_000 }).toContain('Asiakkaan tilanne omin sanoin');
    expect(await old.innerText()).toContain('Vanha versio');
    const oldText = old.getByRole('textbox', { name: 'Vanhan version teksti, vain luku' });
    expect(await oldText.getAttribute('contenteditable')).toBe('false');
    expect(await oldText.innerText()).not.toContain(marker);
    // Its text can be selected (and so copied).
    const selected = await oldText.evaluate((element) => {
      const range = document.createRange();
      range.selectNodeContents(element);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      return selection?.toString() ?? '';
    });
    expect(selected).toContain('Asiakkaan tilanne omin sanoin');
    expect(await seriousViolations(sanna)).toEqual([]);
    await screenshot(sanna, 'history-old-version-1366');
    await sanna.evaluate(() => window.getSelection()?.removeAllRanges());
    await sanna.getByRole('heading', { name: 'Yhteinen asiakassuunnitelma' }).evaluate((element) => element.scrollIntoView());
    await screenshot(sanna, 'readme-plan-history', { viewportOnly: true });

    // Restore: asked in the page, then an ordinary edit Tero sees without reloading.
    await old.getByRole('button', { name: 'Palauta tämä versio' }).click();
    await old.getByRole('button', { name: 'Kyllä, palauta versio' }).click();
    await expect.poll(() => sanna.getByRole('status').filter({ hasText: 'Versio palautettiin' }).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => liveText(tero), { timeout: 30_000 }).not.toContain(marker);
    expect(await liveText(tero)).toContain('Asiakkaan tilanne omin sanoin');
    expect(await liveText(sanna)).not.toContain(marker);
  });

  it('two people typing at the same moment make one version that names them both', async () => {
    const { sanna, tero, list, before } = await sannaWatchingHistory();

    const startTyping = async (page: Page) => {
      await page.getByRole('textbox', { name: 'Yhteinen asiakassuunnitelma' }).click();
      await page.keyboard.press('Control+End');
      await page.keyboard.press('Enter');
    };
    await startTyping(tero);
    await tero.keyboard.type('Tero kirjoittaa', { delay: 60 });
    await startTyping(sanna);
    // Both type at once, keystrokes interleaving for a few seconds: one shared version, not one per turn.
    await Promise.all([tero.keyboard.type(' yhdessä Sannan kanssa', { delay: 120 }), sanna.keyboard.type('Sanna kirjoittaa samaan aikaan', { delay: 100 })]);
    await expect.poll(() => liveText(tero), { timeout: 30_000 }).toContain('Sanna kirjoittaa samaan aikaan');

    // Whoever started the shared version, it names both. Dozens of keystrokes alternated: one
    // version per alternation was the old behaviour; a slow machine may split the typing where
    // one of them paused over two seconds, so a few versions, not one, are allowed.
    await expect.poll(() => list.locator('li.version').first().innerText(), { timeout: 30_000 }).toMatch(/Tero Hämäläinen \(.+\) ja Sinä|Sinä ja Tero Hämäläinen \(.+\)/);
    expect(await list.locator('li.version').count()).toBeLessThanOrEqual(before + 3);
    expect(await seriousViolations(sanna)).toEqual([]);
    await screenshot(sanna, 'history-coauthors-1366');
  });

  it('is usable at 390 px: the list and an old version fit the width', async () => {
    const maija = await openPlan('Maija Laine', 390);
    await maija.getByRole('button', { name: 'Versiohistoria' }).click();
    const list = maija.getByTestId('plan-history');
    await expect.poll(() => list.locator('li.version').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await list.locator('li.version').first().getByRole('button', { name: /^Näytä versio/ }).click();
    await expect.poll(() => maija.getByTestId('old-version').innerText(), { timeout: 30_000 }).toContain('Vanha versio');
    expect(await maija.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await seriousViolations(maija)).toEqual([]);
    await screenshot(maija, 'history-old-version-390');
  });
});
