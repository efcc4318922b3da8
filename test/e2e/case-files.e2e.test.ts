/**
 * Attachments delivered once and export to the case record (docs/design.md §11.4, §11.5),
 * in Chromium against `npm run demo` (the seed case "Jani, 24 v"): the social worker's
 * "Liitteet" lists the activation plan once with both its uses (the chat message and the
 * statement that answered Kela's request), downloads it, and a new statement points at it
 * instead of uploading it again; the Kela request is exported as a PDF whose text —
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
  it("lists the seed case's files once with every use, downloads one, and lets a statement point at it again", async () => {
    const { page, complaints, close } = await openCase('Sanna Virtanen', 1366);
    try {
      await page.getByRole('link', { name: 'Liitteet' }).click();
      const file = page.getByTestId('workspace-file').filter({ hasText: 'aktivointisuunnitelma.txt' });
      await expect.poll(() => file.count(), { timeout: 30_000 }).toBe(1);
      const text = await file.innerText();
      expect(text).toContain('Käytetty 2 paikassa');
      expect(text).toContain('Keskustelun viesti');
      expect(text).toContain('Lausunto');
      // Who: the name and organisation from certificates.
      expect(text).toMatch(/toimitti Sanna Virtanen \([^)]+\)/);
      expect(await seriousViolations(page)).toEqual([]);
      await screenshot(page, 'files-1366');

      const saved = await downloaded(page, () => file.getByRole('button', { name: /Lataa/ }).click());
      expect(saved.name).toBe('aktivointisuunnitelma.txt');
      expect(saved.bytes.toString('utf8')).toContain('Aktivointisuunnitelma');

      // A standalone statement points at the file already in the workspace: nothing is uploaded.
      await page.getByRole('link', { name: 'Asiakirjat' }).click();
      await page.getByLabel('Asiakirjan laji').selectOption('statement');
      const form = page.getByRole('form', { name: 'Lausunto' });
      await form.getByLabel('Lausunto').fill('Aktivointisuunnitelma on edelleen voimassa tammikuun loppuun.');
      await form.getByLabel('Perustelut').fill('Tarkistettu asiakastietojärjestelmästä.');
      const existing = form.getByTestId('existing-attachment');
      await expect.poll(() => existing.locator('option').count(), { timeout: 30_000 }).toBeGreaterThan(1);
      const option = await existing.locator('option', { hasText: 'aktivointisuunnitelma.txt' }).getAttribute('value');
      await existing.selectOption(option ?? '');
      await form.getByRole('button', { name: 'Liitä valittu' }).click();
      await expect.poll(() => form.innerText()).toContain('aktivointisuunnitelma.txt');
      expect(await seriousViolations(page)).toEqual([]);
      await form.getByRole('button', { name: 'Anna lausunto' }).click();

      await page.getByRole('link', { name: 'Liitteet' }).click();
      await expect.poll(() => file.innerText(), { timeout: 30_000 }).toContain('Käytetty 3 paikassa');
      expect(await page.getByTestId('workspace-file').count()).toBe(1);
      expect(complaints).toEqual([]);
    } finally {
      await close();
    }
  });

  it('exports the Kela request as a PDF whose text has the Finnish text, authors and verification, and the plan as JSON', async () => {
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
