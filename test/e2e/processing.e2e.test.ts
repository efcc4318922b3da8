/**
 * "Tietojeni käsittely" in Chromium as the demo's client Jani meets it (issue 13): his
 * consent history with its date, on which basis each professional sees his case, and who
 * processed what — the log his agent checked before showing it, including "opened" that
 * his own opening of the case recorded; downloadable as JSON and as the agent's PDF. Finnish at 390 px and Swedish
 * at 1366 px, axe-core clean in both.
 */
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeSource, screenshot, seriousViolations } from './browser-harness';
import { startDemoUnderTest } from './demo-process';
import type { DemoUnderTest } from './demo-process';

let demo: DemoUnderTest;

beforeAll(async () => {
  demo = await startDemoUnderTest('yp-processing-');
}, 240_000);

afterAll(async () => {
  await demo?.close();
}, 60_000);

async function janiPage(width: number): Promise<{ context: BrowserContext; page: Page }> {
  const context = await demo.browser.newContext({ viewport: { width, height: 900 }, acceptDownloads: true });
  // axe-core as a DevTools init script: the page's CSP allows scripts from 'self' only.
  await context.addInitScript({ content: axeSource });
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.dismiss());
  await page.goto(demo.addresses.get('Jani') ?? '');
  await page.getByRole('link', { name: 'Jani, 24 v' }).click();
  return { context, page };
}

describe('Tietojeni käsittely', () => {
  it('shows Jani his consent, the bases and the checked processing log in Finnish at 390 px, and downloads it as JSON', async () => {
    const { context, page } = await janiPage(390);
    try {
      await page.getByRole('link', { name: 'Tietojeni käsittely' }).click();
      await page.getByRole('heading', { name: 'Tietojeni käsittely' }).waitFor({ timeout: 30_000 });
      const integrity = page.getByTestId('processing-integrity');
      await expect.poll(() => integrity.textContent(), { timeout: 30_000 }).toMatch(/Ohjelmasi tarkisti lokin \d+ merkinnän tarkistesummat/);
      const text = await page.locator('[data-testid="processing-view"]').innerText();
      expect(text).toContain('Suostumus annettu');
      expect(text).toMatch(/Sanna Virtanen, [^\n]*suostumuksesi perusteella \(annettu/);
      expect(text).toContain('Jani – sinä itse');
      // His own opening of the case is in the log, recorded by his agent; so are the membership changes.
      await expect.poll(async () => page.locator('tr[data-action="document_open"]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
      expect(await page.locator('tr[data-action="document_open"]').first().innerText()).toMatch(/Jani[\s\S]*avasi \(plan\)/);
      expect(await page.locator('tr[data-action="membership_append"]').count()).toBeGreaterThan(0);
      expect(await seriousViolations(page)).toEqual([]);

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Lataa tiedot (JSON)' }).click()]);
      const saved = await download.path();
      const json = JSON.parse(readFileSync(saved, 'utf8')) as { consentHistory: unknown[]; log: { action: string }[]; integrity: { ok: boolean } };
      expect(json.consentHistory.length).toBeGreaterThan(0);
      expect(json.integrity.ok).toBe(true);

      // The same view as a PDF the agent makes: its text says the same in words.
      const [pdfDownload] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('export-pdf').click()]);
      const pdf = readFileSync(await pdfDownload.path());
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      const { text: pdfText } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: true });
      const flat = pdfText.replace(/\s+/gu, ' ');
      expect(flat).toContain('Tietojeni käsittely: Jani, 24 v');
      expect(flat).toContain('Suostumus annettu');
      expect(flat).toMatch(/Sanna Virtanen \([^)]*\) \(omistaja\): asiakkaan suostumus/);
      expect(flat).toMatch(/Palvelimen lokin \d+ merkinnän tarkistesummat tarkistettiin ennen vientiä/);
      expect(json.log.some((e) => e.action === 'document_open')).toBe(true);
      await screenshot(page, 'processing-fi-390');
    } finally {
      await context.close();
    }
  }, 120_000);

  it('speaks Swedish at 1366 px, axe clean, and lists the export the download recorded', async () => {
    const { context, page } = await janiPage(1366);
    try {
      await page.getByRole('link', { name: 'Tietojeni käsittely' }).click();
      await page.getByRole('heading', { name: 'Tietojeni käsittely' }).waitFor({ timeout: 30_000 });
      await page.getByTestId('processing-integrity').waitFor({ timeout: 30_000 });
      await page.setViewportSize({ width: 1280, height: 1300 });
      await screenshot(page, 'readme-processing', { viewportOnly: true });
      await page.setViewportSize({ width: 1366, height: 900 });
      await page.getByLabel('Kieli').selectOption('sv');
      await page.getByRole('heading', { name: 'Behandlingen av mina uppgifter' }).waitFor();
      await page.getByRole('link', { name: 'Behandlingen av mina uppgifter' }).click();
      await expect.poll(() => page.getByTestId('processing-integrity').textContent(), { timeout: 30_000 }).toMatch(/Ditt program kontrollerade/);
      const text = await page.locator('[data-testid="processing-view"]').innerText();
      expect(text).toContain('Samtycke givet');
      expect(text).toContain('på grund av ditt samtycke');
      await expect.poll(async () => page.locator('tr[data-action="export"]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
      expect(await page.locator('tr[data-action="export"]').first().innerText()).toContain('exporterade till fil');
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, 'processing-sv-1366');
      await page.getByLabel('Språk').selectOption('fi');
    } finally {
      await context.close();
    }
  }, 120_000);

  it('Sanna records her statutory basis in the page and Jani sees it in Finnish; she withdraws it after an in-page question', async () => {
    const STATUTE = 'Sosiaalihuoltolaki (1301/2014) 42 § – omatyöntekijä';
    const sannaContext = await demo.browser.newContext({ viewport: { width: 1366, height: 900 } });
    await sannaContext.addInitScript({ content: axeSource });
    const { context, page } = await janiPage(390);
    try {
      const sanna = await sannaContext.newPage();
      await sanna.goto(demo.addresses.get('Sanna Virtanen') ?? '');
      await sanna.getByRole('link', { name: 'Jani, 24 v' }).click({ timeout: 30_000 });
      await sanna.getByRole('navigation', { name: 'Työtilan osat' }).getByRole('link', { name: 'Tietojeni käsittely' }).click({ timeout: 30_000 });
      // The form at 390 px: presets, and "Muu peruste" for the owner's own words.
      await sanna.setViewportSize({ width: 390, height: 900 });
      await sanna.getByRole('button', { name: 'Kirjaa lakisääteinen peruste: Sanna Virtanen' }).click({ timeout: 30_000 });
      await sanna.getByLabel('Käsittelyperuste').selectOption('other');
      await sanna.getByLabel('Muu peruste (laki ja pykälä)').scrollIntoViewIfNeeded();
      expect(await seriousViolations(sanna)).toEqual([]);
      await screenshot(sanna, 'processing-basis-form-390', { viewportOnly: true });
      await sanna.setViewportSize({ width: 1366, height: 900 });
      await sanna.getByLabel('Käsittelyperuste').selectOption(STATUTE);
      await sanna.getByRole('button', { name: 'Kirjaa peruste' }).click();
      const own = sanna.getByTestId('statute');
      await expect.poll(() => own.innerText(), { timeout: 60_000 }).toContain(`Lakisääteinen peruste: ${STATUTE} (kirjannut Sanna Virtanen,`);
      // A professional reads the page about the client, not the client's "sinä itse" / "suostumuksesi".
      const sannaText = await sanna.getByTestId('processing-view').innerText();
      expect(sannaText).toContain('Kuka näkee asiakkaan asiat ja millä perusteella');
      expect(sannaText).toContain('Jani – asiakas itse');
      expect(sannaText).toMatch(/Maija Laine, Kela – asiakkaan suostumuksen perusteella \(annettu/);
      expect(sannaText).not.toContain('suostumuksesi');
      expect(await seriousViolations(sanna)).toEqual([]);
      await screenshot(sanna, 'processing-basis-owner-1366');

      // Jani's view: the basis in Finnish, with who recorded it and when (the text reached him encrypted).
      await page.getByRole('link', { name: 'Tietojeni käsittely' }).click();
      const view = page.getByTestId('processing-view');
      await expect.poll(() => view.innerText(), { timeout: 60_000 }).toMatch(
        /Sanna Virtanen, [^\n]*Lakisääteinen peruste: Sosiaalihuoltolaki \(1301\/2014\) 42 § – omatyöntekijä \(kirjannut Sanna Virtanen, \d/,
      );
      // He is no owner: no controls for him.
      expect(await page.getByRole('button', { name: /Kirjaa lakisääteinen peruste|Poista peruste/ }).count()).toBe(0);
      // His member list marks it too.
      await page.getByRole('link', { name: 'Jäsenet ja suostumus' }).click();
      await expect.poll(() => page.locator('li.member', { hasText: 'Sanna Virtanen' }).innerText(), { timeout: 30_000 }).toContain('Lakisääteinen peruste');
      await page.getByRole('link', { name: 'Tietojeni käsittely' }).click();
      await view.waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByRole('heading', { name: 'Kuka näkee asiani ja millä perusteella' }).scrollIntoViewIfNeeded();
      await screenshot(page, 'processing-basis-client-fi-390', { viewportOnly: true });

      // Withdrawn again (her organisation is in Jani's consent): the page asks first, in words.
      await sanna.getByRole('button', { name: 'Poista peruste: Sanna Virtanen' }).click();
      expect(await sanna.locator('.inline-confirm').innerText()).toContain('vain asiakkaan suostumuksen perusteella');
      await sanna.getByRole('button', { name: 'Kyllä, poista peruste' }).click();
      await expect.poll(() => sanna.getByTestId('statute').count(), { timeout: 60_000 }).toBe(0);
      await expect.poll(() => view.innerText(), { timeout: 60_000 }).not.toContain('Lakisääteinen peruste');
    } finally {
      await context.close();
      await sannaContext.close();
    }
  }, 180_000);

  it("asks in the page who takes the case over when Jani revokes his consent for the owner's organisation, and his history shows it", async () => {
    const { context, page } = await janiPage(1366);
    try {
      await page.getByRole('link', { name: 'Jäsenet ja suostumus' }).click();
      await page.getByRole('button', { name: 'Peru suostumus: Pirkanmaan hyvinvointialue' }).click();
      const handOver = page.getByTestId('hand-over');
      await handOver.waitFor();
      // The owner leaves with it: the page says so and asks, and "yes" waits for the answer.
      expect(await handOver.innerText()).toContain('Sanna Virtanen');
      const yes = page.getByRole('button', { name: 'Kyllä, peru suostumus' });
      expect(await yes.isDisabled()).toBe(true);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, 'processing-hand-over');
      await page.getByRole('radio', { name: 'Maija Laine, Kela ottaa asian hoitaakseen' }).check();
      await yes.click();
      await expect.poll(() => page.locator('.members-view').innerText(), { timeout: 60_000 }).not.toContain('Sanna Virtanen');
      const maija = page.locator('li.member', { hasText: 'Maija Laine' });
      await expect.poll(() => maija.innerText(), { timeout: 60_000 }).toContain('omistaja');

      await page.getByRole('link', { name: 'Tietojeni käsittely' }).click();
      const view = page.getByTestId('processing-view');
      await expect.poll(() => view.innerText(), { timeout: 30_000 }).toContain('Suostumus peruttu');
      const text = await view.innerText();
      expect(text).toContain('Peruttu organisaatioilta: Pirkanmaan hyvinvointialue');
      expect(text).toMatch(/Poistettiin asiasta: [^\n]*Sanna Virtanen/);
      expect(text).toContain('Asian vastuu siirtyi henkilölle Maija Laine');
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('Jani joins a further case of Sanna with its invitation code from his workspace list (issue 13)', async () => {
    const sannaContext = await demo.browser.newContext({ viewport: { width: 1366, height: 900 } });
    const { context, page } = await janiPage(1366);
    try {
      const sanna = await sannaContext.newPage();
      sanna.on('dialog', (dialog) => void dialog.dismiss());
      await sanna.goto(demo.addresses.get('Sanna Virtanen') ?? '');
      const label = 'Janin toinen asiakkuus';
      await sanna.getByLabel('Työtilan nimi').fill(label, { timeout: 30_000 });
      await sanna.getByRole('button', { name: 'Luo työtila' }).click();
      await sanna.getByRole('navigation', { name: 'Työtilan osat' }).getByRole('link', { name: 'Jäsenet ja suostumus' }).click({ timeout: 30_000 });
      await sanna.getByLabel('Asiakkaan nimi').fill('Jani');
      await sanna.getByRole('button', { name: 'Luo kutsukoodi' }).click();
      const codeField = sanna.getByTestId('invitation-code');
      await codeField.waitFor({ timeout: 60_000 });
      const code = await codeField.inputValue();

      await page.goto(demo.addresses.get('Jani') ?? '');
      await page.getByRole('heading', { name: 'Liity toiseen asiakkuuteen koodilla' }).waitFor({ timeout: 30_000 });
      // A mistyped code is refused in plain words and nothing changes.
      await page.getByLabel('Kutsukoodi').fill(`${code}x`);
      await page.getByRole('button', { name: 'Liity' }).click();
      await page.getByText(/Tämä ei ole kutsukoodi|Koodia ei hyväksytty/).waitFor({ timeout: 30_000 });
      await page.getByLabel('Kutsukoodi').fill(code);
      await page.getByRole('button', { name: 'Liity' }).click();
      await page.getByText('Koodi hyväksyttiin').waitFor({ timeout: 30_000 });
      await page.getByRole('link', { name: label }).waitFor({ timeout: 60_000 });
      expect(await page.getByRole('link', { name: 'Jani, 24 v' }).count()).toBe(1);
      // Once he holds the new case's key, no refused name (the code's placeholder) is among his problems.
      await page.getByRole('link', { name: label }).click();
      await page.getByRole('navigation', { name: 'Työtilan osat' }).waitFor({ timeout: 60_000 });
      await page.goto(demo.addresses.get('Jani') ?? '');
      await page.getByRole('link', { name: label }).waitFor({ timeout: 30_000 });
      expect(await page.getByText(/client name that was refused/).count()).toBe(0);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, 'join-further-case-fi-1366');
    } finally {
      await context.close();
      await sannaContext.close();
    }
  }, 180_000);

});
