/**
 * Agreed actions as tasks and the case timeline in the browser (issue 12), on `npm run
 * demo`'s people: the social worker records a decision of the network meeting naming
 * herself as its owner with yesterday's due date, and turns it into an agreed action of the
 * plan in one step — the plan shows it once, marked "Myöhässä" and linking back to the
 * meeting; the health professional, on a phone-sized window, sees the decision already in
 * the plan. The "Aikajana" tab shows the records, membership and consent events with
 * "Kulunut aika" and filters by kind and organisation. The Kela expert sends an information
 * request to the county, and the social worker's "Omat tehtävät" lists it beside her
 * overdue action. A consultation opens on its chat without a plan; a case created with the
 * UI in Swedish gets its plan template in Swedish. axe-core checks every view; screenshots at 1366 and 390 px go to
 * test-artifacts/e2e/ (tasks-*.png; the README's are copied from there).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '@yhteispoyta/local-api';
import { screenshot, seriousViolations } from './browser-harness';
import { startDemoUnderTest } from './demo-process';
import type { DemoUnderTest } from './demo-process';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const CASE = 'Jani, 24 v';
const DECISION = 'Sanna varaa asiakkaalle ajan terveydenhuoltoon ja kertoo ajan verkostolle.';
const SUBJECT = 'Lisäselvitys: kuntouttavan työtoiminnan aloitus';

let demo: DemoUnderTest;
let browser: Browser;
let addresses: ReadonlyMap<string, string>;
let sanna: Page;
let tero: Page;
const complaints: string[] = [];

beforeAll(async () => {
  demo = await startDemoUnderTest('yp-tasks-e2e-');
  ({ browser, addresses } = demo);
}, 240_000);

afterAll(async () => {
  await demo?.close();
}, 60_000);

/** A person's page on the case, at `width` px. */
async function openCase(person: string, width: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'fi-FI' });
  await context.addInitScript({ content: axeSource });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') complaints.push(`${person} console: ${message.text()}`);
  });
  page.on('pageerror', (error) => complaints.push(`${person} page error: ${error.message}`));
  page.on('dialog', (dialog) => {
    complaints.push(`${person} native dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(addresses.get(person) ?? '');
  await page.getByRole('link', { name: CASE }).first().click({ timeout: 60_000 });
  return page;
}

async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Työtilan osat' }).getByRole('link', { name, exact: true }).click();
}

async function expectAccessible(page: Page, view: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${view}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

async function noSidewaysScroll(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
}

describe('tasks and the case timeline in the browser', () => {
  it('a meeting decision becomes one agreed action in one step, overdue and linked both ways', async () => {
    sanna = await openCase('Sanna Virtanen', 1366);
    await openTab(sanna, 'Asiakirjat');
    const meeting = sanna.getByTestId('record').filter({ hasText: 'Tilannekatsaus: toimeentulo ja aktivointisuunnitelma' });
    await meeting.waitFor({ timeout: 60_000 });
    await meeting.getByRole('button', { name: 'Kirjaa neuvottelusta' }).click();
    const form = meeting.getByRole('form', { name: 'Kirjaa päätös' });
    await form.getByLabel('Päätös', { exact: true }).fill(DECISION);
    const owner = form.getByLabel('Tehtävän vastuuhenkilö');
    await owner.selectOption((await owner.locator('option', { hasText: 'Sanna Virtanen' }).getAttribute('value')) ?? '');
    await form.getByLabel('Tehtävän määräpäivä').fill(localDate(Date.now() - 86_400_000));
    await form.getByRole('button', { name: 'Kirjaa päätös' }).click();
    const decision = meeting.getByTestId('meeting-decision').filter({ hasText: DECISION });
    await decision.waitFor({ timeout: 30_000 });

    await decision.getByRole('button', { name: `Lisää suunnitelmaan toimenpiteeksi: ${DECISION}` }).click();
    // Done once: the decision now links to the plan and offers no second action.
    await decision.getByTestId('decision-in-plan').waitFor({ timeout: 30_000 });
    expect(await decision.getByRole('button').count()).toBe(0);
    await meeting.getByRole('button', { name: 'Kirjaa neuvottelusta' }).click();
    await expectAccessible(sanna, 'records, meeting decision in the plan');
    await meeting.scrollIntoViewIfNeeded();
    await screenshot(sanna, 'tasks-meeting-1366');

    await openTab(sanna, 'Yhteinen suunnitelma');
    const fromMeeting = sanna.locator('tr', { has: sanna.getByTestId('action-source') });
    await expect.poll(() => fromMeeting.count(), { timeout: 30_000 }).toBe(1);
    expect(await fromMeeting.getAttribute('class')).toContain('action-overdue');
    expect(await fromMeeting.getByTestId('overdue').innerText()).toContain('Myöhässä');
    const ownerCell = fromMeeting.getByLabel(/^Vastuuhenkilö, rivi \d+$/);
    expect(await ownerCell.locator('option:checked').innerText()).toBe('Sanna Virtanen (Pirkanmaan hyvinvointialue)');
    expect(await fromMeeting.innerText()).toContain('Pirkanmaan hyvinvointialue');
    await expectAccessible(sanna, 'plan with an overdue action');
    await fromMeeting.scrollIntoViewIfNeeded();
    await screenshot(sanna, 'tasks-plan-overdue-1366', { viewportOnly: true });

    // Someone else on a phone sees the same decision already in the plan: the step is not offered twice.
    tero = await openCase('Tero Hämäläinen', 390);
    await openTab(tero, 'Asiakirjat');
    const theirs = tero.getByTestId('meeting-decision').filter({ hasText: DECISION });
    await theirs.getByTestId('decision-in-plan').waitFor({ timeout: 60_000 });
    expect(await theirs.getByRole('button').count()).toBe(0);
    await theirs.evaluate((element) => element.scrollIntoView({ block: 'center' }));
    await noSidewaysScroll(tero);
    await expectAccessible(tero, 'records on a phone');
    await screenshot(tero, 'tasks-meeting-390', { viewportOnly: true });
    expect(complaints).toEqual([]);
  }, 300_000);

  it('the timeline shows the records, members and consent with elapsed time, and filters by kind and organisation', async () => {
    await openTab(sanna, 'Aikajana');
    const entries = sanna.getByTestId('timeline-entry');
    await expect.poll(async () => (await entries.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).join(','), { timeout: 30_000 }).toMatch(
      /case_opened.*member_added.*consent_granted.*attachment.*request_sent.*request_answered.*request_acknowledged.*meeting_planned.*meeting_held.*meeting_decision.*transition.*meeting_decision/,
    );
    expect(await sanna.getByTestId('elapsed-total').innerText()).toMatch(/^Kulunut aika alle 1 kk \(0 pv\)/);
    const answered = entries.filter({ hasText: 'Lisäselvityspyyntöön vastattu' });
    expect(await answered.innerText()).toContain('Sanna Virtanen, Pirkanmaan hyvinvointialue');
    expect(await answered.innerText()).toContain('Kulunut aika');
    expect(await entries.filter({ hasText: 'Verkostoneuvottelu pidetty' }).innerText()).toContain('Uusi vaihe — edellinen vaihe kesti');
    await expectAccessible(sanna, 'timeline');
    await screenshot(sanna, 'tasks-timeline-1366');

    await sanna.getByLabel('Näytä').selectOption({ label: 'Verkostoneuvottelut' });
    await expect.poll(async () => (await entries.evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-kind')))])).sort()).toEqual(['meeting_held', 'meeting_planned']);
    await sanna.getByLabel('Näytä').selectOption({ label: 'Kaikki tapahtumat' });
    await sanna.getByLabel('Organisaatio').selectOption({ label: 'Kela' });
    await expect.poll(async () => (await entries.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).join(',')).toBe('request_sent,request_acknowledged');
    for (const text of await entries.allInnerTexts()) expect(text).toContain('Maija Laine, Kela');
    await sanna.getByLabel('Organisaatio').selectOption({ label: 'Kaikki organisaatiot' });

    await openTab(tero, 'Aikajana');
    await tero.getByTestId('timeline-entry').first().waitFor({ timeout: 30_000 });
    await noSidewaysScroll(tero);
    await expectAccessible(tero, 'timeline on a phone');
    await tero.getByTestId('elapsed-total').evaluate((element) => element.scrollIntoView({ block: 'start' }));
    await screenshot(tero, 'tasks-timeline-390', { viewportOnly: true });
    expect(complaints).toEqual([]);
  }, 180_000);

  it('"Omat tehtävät" lists my overdue action and a request to my organisation, by due date, linking into the case', async () => {
    const maija = await openCase('Maija Laine', 1366);
    await openTab(maija, 'Asiakirjat');
    const request = maija.getByRole('form', { name: 'Lisäselvityspyyntö' });
    await request.getByLabel('Aihe').fill(SUBJECT);
    await request.getByLabel('Vastaanottaja').selectOption({ label: 'Pirkanmaan hyvinvointialue' });
    await request.getByLabel('Mitä pyydetään').fill('Milloin kuntouttava työtoiminta alkaa?');
    await request.getByLabel('Miksi (peruste)').fill('Perustoimeentulotuen jatkopäätös');
    await request.getByLabel('Määräpäivä').fill(localDate(Date.now() + 5 * 86_400_000));
    await request.getByRole('button', { name: 'Lähetä pyyntö' }).click();
    await maija.getByRole('listitem', { name: SUBJECT, exact: true }).getByText('lähetetty', { exact: true }).waitFor({ timeout: 30_000 });

    await sanna.getByRole('link', { name: 'Kaikki työtilat' }).click();
    const tasks = sanna.getByRole('region', { name: 'Omat tehtävät' });
    const items = tasks.getByTestId('my-task');
    await items.filter({ hasText: SUBJECT }).waitFor({ timeout: 60_000 });
    const texts = await items.allInnerTexts();
    // Overdue first (yesterday), the request (in 5 days) before the demo's actions due in 7 and 14 days.
    expect(texts[0]).toContain(DECISION);
    expect(texts[0]).toContain('Myöhässä');
    expect(texts[1]).toContain(SUBJECT);
    expect(texts[1]).toContain('Lisäselvityspyyntö organisaatiollesi');
    expect(texts.slice(2).join('\n')).toContain('Varataan aika terveydenhuoltoon');
    // Others' actions are not hers.
    expect(texts.join('\n')).not.toContain('Terveydentilan selvitys ja lähete');
    await expectAccessible(sanna, 'workspace list with my tasks');
    await screenshot(sanna, 'tasks-my-tasks-1366');
    await items.filter({ hasText: SUBJECT }).getByRole('link', { name: SUBJECT }).click();
    await sanna.getByRole('listitem', { name: SUBJECT, exact: true }).waitFor({ timeout: 30_000 });
    expect(complaints).toEqual([]);
  }, 180_000);

  it('a consultation opens on its chat without a plan; a case created in Swedish gets its template in Swedish', async () => {
    // Maija created the consultation: it opens on the chat, with no plan tab and no template written.
    const maija = await openCase('Maija Laine', 1366);
    await maija.getByRole('link', { name: 'Kaikki työtilat' }).click();
    await maija.getByRole('link', { name: '19-vuotias, opinnot keskeytyneet' }).click();
    await maija.getByLabel('Kirjoita viesti').waitFor({ timeout: 30_000 });
    expect(maija.url()).toMatch(/\/chat$/);
    const tabs = maija.getByRole('navigation', { name: 'Työtilan osat' });
    expect(await tabs.getByRole('link').allInnerTexts()).toEqual(['Keskustelu', 'Asiakirjat', 'Aikajana', 'Liitteet', 'Jäsenet ja suostumus', 'Turvanumerot']);
    // Even asked for by address, the plan of a consultation is not offered.
    await maija.goto(maija.url().replace(/\/chat$/, '/plan'));
    await maija.getByLabel('Kirjoita viesti').waitFor({ timeout: 30_000 });
    expect(await maija.locator('.plan-text').count()).toBe(0);

    // Sanna switches her UI to Swedish and creates a case: its template is written in Swedish and stays so.
    await sanna.getByRole('link', { name: 'Kaikki työtilat' }).click();
    await sanna.getByLabel('Kieli').selectOption({ label: 'Svenska' });
    await sanna.getByLabel('Arbetsrummets namn').fill('Testklient, 30 år');
    await sanna.getByRole('button', { name: 'Skapa arbetsrum' }).click();
    await expect.poll(() => sanna.locator('.plan-text h2').allTextContents(), { timeout: 60_000 }).toEqual([
      'Klientens situation med egna ord', 'Servicebehov', 'Primära förmåner som ska sökas', 'Överenskomna åtgärder', 'Uppföljning', 'Övergångsskeden',
    ]);
    await sanna.getByLabel('Språk').selectOption({ label: 'Suomi' });
    await sanna.getByRole('navigation', { name: 'Työtilan osat' }).waitFor();
    expect(await sanna.locator('.plan-text h2').first().textContent()).toBe('Klientens situation med egna ord');
    expect(await sanna.locator('.plan-text h2').count()).toBe(6);
    expect(complaints).toEqual([]);
  }, 180_000);
});
