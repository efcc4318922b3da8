/**
 * `npm run demo` as a newcomer meets it: one command prints four addresses, and each opens
 * straight into that person's view of the seed case — the client sees "Jani, 24 v" with
 * its plan, agreed actions, the chat with its attachment and the case records; the Kela expert also sees the
 * consultation, which the client never does. Ctrl-C (SIGTERM) stops everything cleanly.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoUnderTest } from './demo-process';
import type { DemoUnderTest } from './demo-process';

let demo: DemoUnderTest;
let browser: Browser;
let addresses: ReadonlyMap<string, string>;

beforeAll(async () => {
  demo = await startDemoUnderTest('yp-demo-');
  ({ browser, addresses } = demo);
}, 240_000);

afterAll(async () => {
  await demo?.close();
}, 60_000);

describe('npm run demo', () => {
  it('prints one address per person of the seed case', () => {
    expect([...addresses.keys()]).toEqual(['Maija Laine', 'Sanna Virtanen', 'Tero Hämäläinen', 'Jani']);
    expect(new Set(addresses.values()).size).toBe(4);
  });

  it("opens straight into the client's view of his case: plan, agreed actions, chat with the attachment, records", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const page = await context.newPage();
      await page.goto(addresses.get('Jani') ?? '');
      await page.getByRole('link', { name: 'Jani, 24 v' }).click();
      await expect.poll(() => page.locator('body').innerText(), { timeout: 30_000 }).toContain('Asiakkaan tilanne omin sanoin');
      await expect.poll(() => page.getByRole('textbox', { name: 'Toimenpide, rivi 1' }).inputValue(), { timeout: 30_000 }).toMatch(/^Varataan aika terveydenhuoltoon/);
      await page.getByRole('link', { name: 'Keskustelu' }).click();
      await expect.poll(() => page.locator('body').innerText(), { timeout: 30_000 }).toContain('Sopii. Tulen paikalle.');
      expect(await page.locator('body').innerText()).toContain('aktivointisuunnitelma.txt');
      await page.getByRole('link', { name: 'Asiakirjat' }).click();
      await expect.poll(() => page.locator('body').innerText(), { timeout: 30_000 }).toContain('Lisäselvityspyyntö: aktivointisuunnitelma ja sosiaalihuollon asiakkuus');
      expect(await page.locator('body').innerText()).toContain('Verkostoneuvottelu');
      // The consultation is between professionals only.
      await page.goto(addresses.get('Jani') ?? '');
      await expect.poll(() => page.locator('body').innerText()).toContain('Jani, 24 v');
      expect(await page.locator('body').innerText()).not.toContain('19-vuotias, opinnot keskeytyneet');
    } finally {
      await context.close();
    }
  });

  it("opens the Kela expert's view with both the case and the consultation", async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(addresses.get('Maija Laine') ?? '');
      await expect.poll(() => page.locator('body').innerText(), { timeout: 30_000 }).toContain('19-vuotias, opinnot keskeytyneet');
      expect(await page.locator('body').innerText()).toContain('Jani, 24 v');
    } finally {
      await context.close();
    }
  });

  it('keeps both people’s keystrokes when two type into the same agreed-action cell at once', async () => {
    const contexts = await Promise.all(['Sanna Virtanen', 'Tero Hämäläinen'].map(() => browser.newContext({ viewport: { width: 1366, height: 900 } })));
    try {
      const cells = await Promise.all(
        contexts.map(async (context, i) => {
          const page = await context.newPage();
          await page.goto(addresses.get(i === 0 ? 'Sanna Virtanen' : 'Tero Hämäläinen') ?? '');
          await page.getByRole('link', { name: 'Jani, 24 v' }).click();
          const cell = page.getByRole('textbox', { name: /^Toimenpide, rivi 1$/ });
          await cell.waitFor({ timeout: 30_000 });
          return { page, cell };
        }),
      );
      const [sanna, tero] = cells as [(typeof cells)[number], (typeof cells)[number]];
      await sanna.cell.click();
      await sanna.page.keyboard.press('End');
      await tero.cell.click();
      await tero.page.keyboard.press('Home');
      // Both type at the same time, one at the end of the cell and one at its start.
      await Promise.all([sanna.page.keyboard.type(' (Sanna)', { delay: 60 }), tero.page.keyboard.type('Kiireellinen: ', { delay: 60 })]);
      const expected = 'Kiireellinen: Varataan aika terveydenhuoltoon, tavoitteena lähete MTT:lle (Sanna)';
      for (const { cell } of cells) await expect.poll(() => cell.inputValue(), { timeout: 30_000 }).toBe(expected);
    } finally {
      await Promise.all(contexts.map((context) => context.close()));
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await demo.stop()).toEqual({ code: 0, signal: null });
  });
});
