/**
 * Case records in the browser (docs/design.md §11), on `npm run demo`'s people: the Kela
 * expert sends an information request to the wellbeing services county from the
 * "Asiakirjat" tab (an empty form first: each field is marked and explained, nothing is
 * sent), the social worker — on a phone-sized window — answers it with a statement, and
 * the Kela expert acknowledges the answer; each sees the status change (lähetetty →
 * vastattu → kuitattu). Then a network meeting with its agenda and an invitee, whose
 * minutes both write at once (a Yjs document of the meeting, live in the other's editor).
 * A concern notice from Kela to the county, closed by the county's feedback.
 * axe-core checks the view on both sides; screenshots at 1366 and 390 px go to
 * test-artifacts/e2e/.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, seriousViolations } from './browser-harness';
import { startDemoUnderTest } from './demo-process';
import type { DemoUnderTest } from './demo-process';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** The demo's consultation between Kela and social care. */
const WORKSPACE = '19-vuotias, opinnot keskeytyneet';
const SUBJECT = 'Lisäselvityspyyntö: perustoimeentulotuki';

let demo: DemoUnderTest;
let browser: Browser;
let maija: Page;
let sanna: Page;
let addresses: ReadonlyMap<string, string>;
const complaints: string[] = [];

beforeAll(async () => {
  demo = await startDemoUnderTest('yp-records-e2e-');
  ({ browser, addresses } = demo);
}, 240_000);

afterAll(async () => {
  await demo?.close();
}, 60_000);

/** A person's page on the records tab of the consultation, at `width` px. */
async function openRecords(person: string, width: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'fi-FI' });
  await context.addInitScript({ content: axeSource });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') complaints.push(`${person} console: ${message.text()}`);
  });
  page.on('pageerror', (error) => complaints.push(`${person} page error: ${error.message}`));
  await page.goto(addresses.get(person) ?? '');
  const link = page.getByRole('link', { name: WORKSPACE });
  const accept = page.getByRole('button', { name: 'Hyväksy kutsu' });
  // A professional someone added decides first whether to take the workspace on.
  await expect.poll(async () => (await link.count()) + (await accept.count()), { timeout: 60_000 }).toBeGreaterThan(0);
  while ((await link.count()) === 0 && (await accept.count()) > 0) {
    await accept.first().click();
    await page.waitForTimeout(500);
  }
  await link.first().click();
  await page.getByRole('navigation', { name: 'Työtilan osat' }).getByRole('link', { name: 'Asiakirjat' }).click();
  await page.getByRole('heading', { name: 'Asiakirjat', level: 2 }).waitFor();
  return page;
}

async function expectAccessible(page: Page, view: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${view}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

describe('case records in the browser', () => {
  it('a Kela request is answered by a social worker and acknowledged', async () => {
    maija = await openRecords('Maija Laine', 1366);
    await expectAccessible(maija, 'records, empty');
    const request = maija.getByRole('form', { name: 'Lisäselvityspyyntö' });
    const listed = await maija.getByTestId('record').count();

    // An empty form: each field says what is missing, nothing is sent.
    await request.getByRole('button', { name: 'Lähetä pyyntö' }).click();
    await expect.poll(() => request.locator('.field-error').count()).toBe(5);
    expect(await request.getByLabel('Aihe').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(maija, 'records, refused form');
    await screenshot(maija, 'records-form-errors-1366');
    expect(await maija.getByTestId('record').count()).toBe(listed);

    // Half filled: what was typed stays, the rest is still asked for.
    await request.getByLabel('Aihe').fill(SUBJECT);
    await request.getByRole('button', { name: 'Lähetä pyyntö' }).click();
    await expect.poll(() => request.locator('.field-error').count()).toBe(4);
    expect(await request.getByLabel('Aihe').inputValue()).toBe(SUBJECT);

    await request.getByLabel('Vastaanottaja').selectOption({ label: 'Pirkanmaan hyvinvointialue' });
    await request.getByLabel('Mitä pyydetään').fill('Onko asiakkaalla sosiaalihuollon asiakkuus, ja mitä palveluja hänelle on suunniteltu?');
    await request.getByLabel('Miksi (peruste)').fill('Perustoimeentulotuen hakemuksen käsittely');
    await request.getByLabel('Määräpäivä').fill('2026-12-15');
    await request.getByRole('button', { name: 'Lähetä pyyntö' }).click();
    const mine = maija.getByRole('listitem', { name: SUBJECT, exact: true });
    await mine.getByText('lähetetty', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await request.getByLabel('Aihe').inputValue()).toBe('');

    sanna = await openRecords('Sanna Virtanen', 390);
    const theirs = sanna.getByRole('listitem', { name: SUBJECT, exact: true });
    await theirs.getByText('lähetetty', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await theirs.innerText()).toContain('Maija Laine, Kela');
    await theirs.getByRole('button', { name: 'Vastaa lausunnolla' }).click();
    const answer = theirs.getByRole('form', { name: 'Vastaa lausunnolla' });
    await answer.getByLabel('Lausunto').fill('Asiakkuus sosiaalihuollossa on alkanut 3/2026. Suunnitelmissa sosiaalinen kuntoutus.');
    await answer.getByLabel('Perustelut').fill('Sosiaalihuollon asiakasrekisteri ja asiakassuunnitelma');
    await expectAccessible(sanna, 'records, answering on a phone');
    // Maija's screen reader hears "Asiakirjat päivittyivät." once the list shows what changed, not before.
    await maija.evaluate(() => {
      const view = document.querySelector('.records-view');
      const region = view?.querySelector('[aria-live="polite"]');
      const list = view?.querySelector('.records-columns');
      if (!region || !list) throw new Error('no records view');
      const before = list.textContent;
      const seen: boolean[] = [];
      Object.assign(window, { recordsAnnounced: seen });
      // Every announcement is a new node in the region, also the same words again.
      new MutationObserver(() => {
        if (region.textContent === 'Asiakirjat päivittyivät.' && seen.length === 0) seen.push(list.textContent !== before);
      }).observe(region, { childList: true, subtree: true });
    });
    await answer.getByRole('button', { name: 'Anna lausunto' }).click();
    await theirs.getByText('vastattu', { exact: true }).waitFor({ timeout: 30_000 });
    // A phone-sized window does not scroll sideways.
    expect(await sanna.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(sanna, 'records-answered-390');

    await mine.getByText('vastattu', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await maija.evaluate(() => (window as unknown as { recordsAnnounced: boolean[] }).recordsAnnounced)).toEqual([true]);
    expect(await mine.innerText()).toContain('Sanna Virtanen');
    await mine.getByRole('button', { name: 'Kuittaa vastaus' }).click();
    await mine.getByText('kuitattu', { exact: true }).waitFor({ timeout: 30_000 });
    await theirs.getByText('kuitattu', { exact: true }).waitFor({ timeout: 30_000 });
    // The statement is a record of its own, naming the request it answers.
    expect(await maija.getByTestId('record').filter({ hasText: 'Asiakkuus sosiaalihuollossa on alkanut 3/2026' }).innerText()).toContain(SUBJECT);
    await expectAccessible(maija, 'records, acknowledged');
    await screenshot(maija, 'records-acknowledged-1366');
    expect(complaints).toEqual([]);
  }, 240_000);

  it('a network meeting with an agenda and an invitee, whose minutes both write at once', async () => {
    const kind = maija.getByLabel('Asiakirjan laji');
    await kind.selectOption({ label: 'Verkostoneuvottelu' });
    const form = maija.getByRole('form', { name: 'Verkostoneuvottelu' });
    await form.getByLabel('Otsikko').fill('Verkostoneuvottelu: kuntoutus');
    await form.getByLabel('Aika').fill('2026-12-10T10:00');
    await form.getByLabel('Paikka').fill('Kelan toimisto, Tampere');
    await form.getByLabel('Asialista').fill('Tilanne nyt\nKuntoutuksen vaihtoehdot\nSeuraavat askeleet');
    await form.getByRole('checkbox', { name: 'Sanna Virtanen' }).check();
    await form.getByRole('button', { name: 'Kutsu neuvotteluun' }).click();
    const meeting = maija.getByTestId('record').filter({ hasText: 'Verkostoneuvottelu: kuntoutus' });
    await meeting.getByText('suunniteltu', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await meeting.innerText()).toContain('Kuntoutuksen vaihtoehdot');

    const theirs = sanna.getByTestId('record').filter({ hasText: 'Verkostoneuvottelu: kuntoutus' });
    await theirs.getByText('suunniteltu', { exact: true }).waitFor({ timeout: 30_000 });
    await meeting.getByText('Muistio (pöytäkirja), kirjoitetaan yhdessä').click();
    await theirs.getByText('Muistio (pöytäkirja), kirjoitetaan yhdessä').click();
    const mine = meeting.getByRole('textbox');
    const their = theirs.getByRole('textbox');
    await mine.click();
    await maija.keyboard.type('Sovittiin: haetaan ammatillista kuntoutusta. ');
    await expect.poll(() => their.innerText(), { timeout: 30_000 }).toContain('haetaan ammatillista kuntoutusta');
    await their.click();
    await sanna.keyboard.press('End');
    await sanna.keyboard.type('Sanna varaa ajan terveydenhuoltoon.');
    await expect.poll(() => mine.innerText(), { timeout: 30_000 }).toContain('Sanna varaa ajan terveydenhuoltoon.');
    await expectAccessible(maija, 'records, meeting minutes');
    await screenshot(maija, 'records-meeting-minutes-1366');
    expect(complaints).toEqual([]);
  }, 180_000);

  it("a concern notice from Kela is closed by the county's feedback, seen on both sides", async () => {
    const CONTENT = 'Asiakas kertoi menettäneensä asuntonsa ja asuvansa tuttavien luona. Toimeentulo on katkennut.';
    await maija.getByLabel('Asiakirjan laji').selectOption({ label: 'Ilmoitus sosiaalihuollon tarpeesta' });
    const form = maija.getByRole('form', { name: 'Ilmoitus sosiaalihuollon tarpeesta' });
    // Nothing chosen: urgency and addressee are asked for, nothing is sent.
    const listed = await maija.getByTestId('record').count();
    await form.getByRole('button', { name: 'Lähetä ilmoitus' }).click();
    await expect.poll(() => form.locator('.field-error').count()).toBeGreaterThan(0);
    expect(await maija.getByTestId('record').count()).toBe(listed);
    await form.getByLabel('Vastaanottava organisaatio').selectOption({ label: 'Pirkanmaan hyvinvointialue' });
    await form.getByRole('radio', { name: 'Kiireellinen', exact: true }).check();
    await form.getByLabel('Ilmoituksen sisältö').fill(CONTENT);
    await form.getByRole('checkbox', { name: 'Asiakkaalle on kerrottu ilmoituksesta' }).check();
    await form.getByRole('button', { name: 'Lähetä ilmoitus' }).click();
    const sent = maija.getByTestId('record').filter({ hasText: CONTENT });
    await sent.getByText('lähetetty', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await sent.innerText()).toContain('Kiireellinen');

    const received = sanna.getByTestId('record').filter({ hasText: CONTENT });
    await received.getByText('lähetetty', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await received.innerText()).toContain('Maija Laine');
    // Kela, who sent it, cannot answer its own notice: only the receiving organisation gives feedback.
    expect(await sent.getByRole('button', { name: 'Anna palaute' }).count()).toBe(0);
    await received.getByRole('button', { name: 'Anna palaute' }).click();
    const feedback = received.getByRole('form', { name: 'Anna palaute' });
    await feedback.getByLabel('Palaute').fill('Palvelutarpeen arviointi aloitettu, asiakas tavattu 3.12.');
    await expectAccessible(sanna, 'records, concern feedback on a phone');
    await feedback.getByRole('button', { name: 'Lähetä palaute' }).click();
    await received.getByText('palaute annettu', { exact: true }).waitFor({ timeout: 30_000 });
    await sent.getByText('palaute annettu', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await sent.innerText()).toContain('Palvelutarpeen arviointi aloitettu');
    expect(await sanna.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await expectAccessible(maija, 'records, concern closed');
    await screenshot(maija, 'records-concern-closed-1366');
    expect(complaints).toEqual([]);
  }, 240_000);
});
