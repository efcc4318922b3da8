/**
 * Attachments delivered once and export to the case record (docs/design.md §11.4, §11.5),
 * in Chromium against `npm run demo` (the seed case "Jani, 24 v"): the social worker's
 * "Liitteet" lists the activation plan once with both its uses (the chat message and the
 * statement that answered Kela's request) and downloads it; a new Kela request is answered
 * by a statement that points at the file instead of uploading it again, and Kela opens it; the Kela request is exported as a PDF whose text —
 * extracted with pdf.js (unpdf) — carries the Finnish text, the authors with their
 * organisations and the signatures verified at export; the plan is exported as JSON that
 * passes its published schema. axe-core finds nothing serious at 1366 and 390 px.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Download, Page } from 'playwright-core';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseExportSchema } from '@yhteispoyta/local-api/case-files';
import { screenshot, seriousViolations } from './browser-harness';
import { startDemoUnderTest } from './demo-process';
import type { DemoUnderTest } from './demo-process';

/** axe-core, installed in every page. */
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The request of this test: Kela asks again for what social care already delivered. */
const SUBJECT = 'Aktivointisuunnitelman voimassaolo';

let demo: DemoUnderTest;
let browser: Browser;
let addresses: ReadonlyMap<string, string>;

beforeAll(async () => {
  demo = await startDemoUnderTest('yp-files-');
  ({ browser, addresses } = demo);
}, 240_000);

afterAll(async () => {
  await demo?.close();
}, 60_000);

/** A person's page on the seed case, with what the browser complains about. */
async function openCase(person: string, width: number): Promise<{ page: Page; complaints: string[]; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'fi-FI', acceptDownloads: true });
  await context.addInitScript({ path: AXE });
  const page = await context.newPage();
  const complaints: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') complaints.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => complaints.push(`page error: ${error.message}`));
  await page.goto(addresses.get(person) ?? '');
  await page.getByRole('link', { name: 'Jani, 24 v' }).click();
  return { page, complaints, close: () => context.close() };
}

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
  const [download] = (await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), click()])) as [Download, void];
  const path = await download.path();
  return { name: download.suggestedFilename(), bytes: readFileSync(path) };
}

async function pdfText(bytes: Buffer): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true });
  return text.replace(/\s+/gu, ' ');
}

describe('attachments delivered once and export to the case record', () => {
  it("lists the seed case's files once with every use, downloads one, and answers a new Kela request by pointing at it", async () => {
    const sanna = await openCase('Sanna Virtanen', 1366);
    const maija = await openCase('Maija Laine', 1366);
    try {
      const { page } = sanna;
      await page.getByRole('link', { name: 'Liitteet' }).click();
      const file = page.getByTestId('workspace-file').filter({ hasText: 'aktivointisuunnitelma.txt' });
      await expect.poll(() => file.count(), { timeout: 30_000 }).toBe(1);
      const text = await file.innerText();
      expect(text).toContain('Käytetty 2 paikassa');
      expect(text).toContain('Keskustelun viesti');
      expect(text).toContain('Lausunto');
      // Who: the name and organisation from certificates.
      expect(text).toContain('toimitti Sanna Virtanen (Pirkanmaan hyvinvointialue)');
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, 'files-1366');

      const saved = await downloaded(page, () => file.getByRole('button', { name: /Lataa/ }).click());
      expect(saved.name).toBe('aktivointisuunnitelma.txt');
      expect(saved.bytes.toString('utf8')).toContain('Aktivointisuunnitelma (tiivistelmä)');

      // Kela asks again; social care answers by pointing at the file already delivered: nothing is uploaded.
      await maija.page.getByRole('link', { name: 'Asiakirjat' }).click();
      const request = maija.page.getByRole('form', { name: 'Lisäselvityspyyntö' });
      await request.getByLabel('Aihe').fill(SUBJECT);
      await request.getByLabel('Vastaanottaja').selectOption({ label: 'Pirkanmaan hyvinvointialue' });
      await request.getByLabel('Mitä pyydetään').fill('Onko aktivointisuunnitelma yhä voimassa? Toimittakaa se liitteenä.');
      await request.getByLabel('Miksi (peruste)').fill('Perustoimeentulotuen jatkohakemus');
      await request.getByLabel('Määräpäivä').fill('2026-12-22');
      await request.getByRole('button', { name: 'Lähetä pyyntö' }).click();

      await page.getByRole('link', { name: 'Asiakirjat' }).click();
      const theirs = page.getByRole('listitem', { name: SUBJECT, exact: true });
      await theirs.getByText('lähetetty', { exact: true }).waitFor({ timeout: 30_000 });
      await theirs.getByRole('button', { name: 'Vastaa lausunnolla' }).click();
      const answer = theirs.getByRole('form', { name: 'Vastaa lausunnolla' });
      await answer.getByLabel('Lausunto').fill('Aktivointisuunnitelma on voimassa tammikuun loppuun; se on jo työtilassa.');
      await answer.getByLabel('Perustelut').fill('Tarkistettu asiakastietojärjestelmästä.');
      const existing = answer.getByTestId('existing-attachment');
      await expect.poll(() => existing.locator('option').count(), { timeout: 30_000 }).toBeGreaterThan(1);
      const option = await existing.locator('option', { hasText: 'aktivointisuunnitelma.txt' }).getAttribute('value');
      await existing.selectOption(option ?? '');
      await answer.getByRole('button', { name: 'Liitä valittu' }).click();
      await expect.poll(() => answer.innerText()).toContain('aktivointisuunnitelma.txt');
      expect(await seriousViolations(page)).toEqual([]);
      await answer.getByRole('button', { name: 'Anna lausunto' }).click();
      await theirs.getByText('vastattu', { exact: true }).waitFor({ timeout: 30_000 });

      // Kela sees the answer with the file, and opens it with the key the statement carried.
      const mine = maija.page.getByRole('listitem', { name: SUBJECT, exact: true });
      await mine.getByText('vastattu', { exact: true }).waitFor({ timeout: 30_000 });
      const statement = maija.page.getByRole('listitem', { name: `Lausunto: ${SUBJECT}`, exact: true });
      await statement.getByText('aktivointisuunnitelma.txt', { exact: true }).waitFor({ timeout: 30_000 });
      const fromAnswer = await downloaded(maija.page, () => statement.getByRole('button', { name: 'Lataa aktivointisuunnitelma.txt' }).click());
      expect(fromAnswer.bytes.equals(saved.bytes)).toBe(true);
      await screenshot(maija.page, 'request-answered-with-existing-file-1366');

      await page.getByRole('link', { name: 'Liitteet' }).click();
      await expect.poll(() => file.innerText(), { timeout: 30_000 }).toContain('Käytetty 3 paikassa');
      expect(await page.getByTestId('workspace-file').count()).toBe(1);
      expect([...sanna.complaints, ...maija.complaints]).toEqual([]);
    } finally {
      await sanna.close();
      await maija.close();
    }
  });

  it('exports the Kela request as a PDF whose text has the Finnish text, authors and verification, and the minutes and the plan as JSON', async () => {
    const { page, complaints, close } = await openCase('Maija Laine', 1366);
    try {
      await page.getByRole('link', { name: 'Asiakirjat' }).click();
      const card = page.getByTestId('record').filter({ has: page.getByRole('heading', { name: /^Lisäselvityspyyntö: aktivointisuunnitelma/ }) });
      await card.waitFor({ timeout: 30_000 });
      const pdf = await downloaded(page, () => card.getByTestId('export-pdf').click());
      expect(pdf.name).toMatch(/^Lisäselvityspyyntö-Lisäselvityspyyntö-aktivointisuunnitelma.*\.pdf$/);
      expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
      const text = await pdfText(pdf.bytes);
      expect(text).toContain('Asia: Jani, 24 v');
      expect(text).toContain('Onko asiakkaalle laadittu aktivointisuunnitelma');
      expect(text).toContain('sosiaalihuollon asiakkuus');
      expect(text).toMatch(/Laatijat: Maija Laine \([^)]+\), Sanna Virtanen \([^)]+\)/);
      expect(text).toContain('Allekirjoitukset tarkistettu viennin hetkellä');
      expect(text).toContain('3/3 tapahtuman allekirjoitus varmennettu');
      expect(text).toContain('lausunto annettu — Sanna Virtanen');
      await expect.poll(() => card.innerText()).toContain('Vienti valmis');
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, 'export-record-1366');

      // The meeting's minutes, from inside their disclosure.
      const meeting = page.getByTestId('record').filter({ has: page.getByRole('heading', { name: 'Verkostoneuvottelu', exact: true }) });
      await meeting.getByText('Muistio', { exact: false }).first().click();
      const minutesExport = meeting.getByRole('group', { name: 'Vie asiakirjaan: Muistio: Verkostoneuvottelu' });
      await minutesExport.waitFor({ timeout: 30_000 });
      const minutes = caseExportSchema.parse(JSON.parse((await downloaded(page, () => minutesExport.getByTestId('export-json').click())).bytes.toString('utf8')));
      expect(minutes).toMatchObject({ what: 'minutes', title: 'Muistio: Verkostoneuvottelu', record: { kind: 'meeting' } });
      expect(minutes.sections.map((s) => s.heading)).toEqual(expect.arrayContaining(['Asialista', 'Päätökset', 'Läsnä']));

      await page.getByRole('link', { name: 'Yhteinen suunnitelma' }).click();
      const planExport = page.getByRole('group', { name: /Vie asiakirjaan: / });
      await planExport.waitFor({ timeout: 30_000 });
      const json = await downloaded(page, () => planExport.getByTestId('export-json').click());
      const plan = caseExportSchema.parse(JSON.parse(json.bytes.toString('utf8')));
      expect(plan).toMatchObject({ schemaVersion: 1, what: 'plan', workspace: { label: 'Jani, 24 v' }, exportedBy: { displayName: 'Maija Laine' } });
      expect(plan.sections.map((s) => s.heading)).toContain('Asiakkaan tilanne omin sanoin');
      expect(plan.actions?.some((a) => a.what.startsWith('Varataan aika terveydenhuoltoon'))).toBe(true);
      expect(complaints).toEqual([]);
    } finally {
      await close();
    }
  });

  it('is usable at 390 px', async () => {
    const { page, complaints, close } = await openCase('Jani', 390);
    try {
      await page.getByRole('link', { name: 'Liitteet' }).click();
      await expect.poll(() => page.getByTestId('workspace-file').count(), { timeout: 30_000 }).toBeGreaterThan(0);
      expect(await seriousViolations(page)).toEqual([]);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await screenshot(page, 'files-390');
      await page.getByRole('link', { name: 'Asiakirjat' }).click();
      await page.getByTestId('record').first().waitFor({ timeout: 30_000 });
      await screenshot(page, 'export-records-390');
      expect(complaints).toEqual([]);
    } finally {
      await close();
    }
  });
});
