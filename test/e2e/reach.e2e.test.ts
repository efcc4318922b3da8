/**
 * Reaching people (issue 14): on the demo's seed case "Jani, 24 v", with notifications
 * permitted in the browser contexts and `new Notification` recorded by an init script —
 * Maija (Kela) turns notifications on from the visible control, Sanna writes: Maija is
 * notified of the message (who, no text), of a mention of her and of an information request
 * to her organisation, and the tab title counts
 * what she has not read; in the chat the mention of her is marked, the composer offers
 * members after `@`, and Sanna's typing shows as "kirjoittaa…" and ends by itself. Then
 * Sanna removes Tero while he has the case open: within 5 s he is no longer "paikalla" on
 * Maija's screen, the chat says who removed him and when, and his old message keeps his
 * organisation, marked "poistettu työtilasta"; Tero is told who removed him and when;
 * and someone who leaves the case drops out within 5 s too. axe-core runs on each new view;
 * screenshots at 1366 and 390 px.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, seriousViolations } from './browser-harness';
import { startDemoUnderTest } from './demo-process';
import type { DemoUnderTest } from './demo-process';

const CASE = 'Jani, 24 v';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Records every notification the page creates (after the real constructor accepted it) in `window.__notes`. */
const RECORD_NOTIFICATIONS = `(() => {
  const Real = window.Notification;
  if (Real === undefined) return;
  window.__notes = [];
  class Recording extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notes.push({ title, body: options && options.body !== undefined ? options.body : null, tag: options && options.tag !== undefined ? options.tag : null });
    }
  }
  window.Notification = Recording;
})();`;

interface Note {
  readonly title: string;
  readonly body: string | null;
  readonly tag: string | null;
}

let demo: DemoUnderTest;
const contexts: BrowserContext[] = [];
const complaints = new Map<string, string[]>();

beforeAll(async () => {
  demo = await startDemoUnderTest('yp-reach-');
}, 240_000);

afterAll(async () => {
  await Promise.allSettled(contexts.map((c) => c.close()));
  await demo?.close();
}, 60_000);

async function open(person: string, width = 1366): Promise<Page> {
  const address = demo.addresses.get(person) ?? '';
  const context = await demo.browser.newContext({ viewport: { width, height: 900 }, locale: 'fi-FI' });
  contexts.push(context);
  await context.grantPermissions(['notifications'], { origin: new URL(address).origin });
  await context.addInitScript({ content: axeSource });
  await context.addInitScript({ content: RECORD_NOTIFICATIONS });
  const page = await context.newPage();
  const said: string[] = [];
  complaints.set(person, said);
  page.on('console', (message) => {
    if (message.type() === 'error') said.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => said.push(`page error: ${error.message}`));
  await page.goto(address);
  await page.getByRole('link', { name: CASE }).waitFor({ timeout: 60_000 });
  return page;
}

/** The total unread count the title leads with (0 without one). */
async function unreadInTitle(page: Page): Promise<number> {
  return Number(/^\((\d+)\) /.exec(await page.title())?.[1] ?? 0);
}

const notes = (page: Page): Promise<Note[]> => page.evaluate(() => (window as unknown as { __notes: Note[] }).__notes);

async function expectAccessible(page: Page, where: string): Promise<void> {
  expect(await seriousViolations(page), `axe on ${where}`).toEqual([]);
}

async function openChat(page: Page): Promise<void> {
  await page.getByRole('link', { name: CASE }).first().click();
  await page.getByRole('link', { name: 'Keskustelu' }).click();
  await page.getByLabel('Kirjoita viesti').waitFor({ timeout: 30_000 });
}

describe('reachability on the seed case', () => {
  let maija: Page;
  let sanna: Page;
  let tero: Page;
  let unreadAtStart = 0;

  it('asks for notifications only from the visible control, then notifies a message without its text and counts it in the title', async () => {
    [maija, sanna] = await Promise.all([open('Maija Laine'), open('Sanna Virtanen')]);
    // Nothing was asked on load: the control offers it.
    const allow = maija.getByRole('button', { name: 'Salli ilmoitukset työpöydälle' });
    await allow.waitFor();
    await expectAccessible(maija, 'the list with the notification control');
    await allow.click();
    await maija.getByLabel('Ilmoitukset työpöydälle käytössä').waitFor();
    // The seed case's messages she has not read yet count already.
    await expect.poll(() => unreadInTitle(maija), { timeout: 30_000 }).toBeGreaterThan(0);
    unreadAtStart = await unreadInTitle(maija);
    expect(await maija.title()).toBe(`(${unreadAtStart}) Yhteispöytä`);

    await openChat(sanna);
    await sanna.getByLabel('Kirjoita viesti').fill('Hei, uusi aika on sovittu.');
    await sanna.getByLabel('Kirjoita viesti').press('Enter');
    await expect.poll(() => notes(maija), { timeout: 30_000 }).toEqual([{ title: 'Uusi viesti: Sanna Virtanen', body: null, tag: expect.stringMatching(/^chat:/) }]);
    await expect.poll(() => maija.title(), { timeout: 10_000 }).toBe(`(${unreadAtStart + 1}) Yhteispöytä`);
  }, 240_000);

  it('offers members after @, notifies a mention as one, and marks it in the chat; reading clears the title', async () => {
    const box = sanna.getByLabel('Kirjoita viesti');
    await box.fill('');
    await box.pressSequentially('@Mai');
    const option = sanna.getByRole('option', { name: '@Maija Laine' });
    await option.waitFor();
    await expectAccessible(sanna, 'the mention picker');
    await screenshot(sanna, 'reach-01-mention-picker-1366', { viewportOnly: true });
    await box.press('Enter');
    expect(await box.inputValue()).toBe('@Maija Laine ');
    await box.pressSequentially('katsotko Kelan osuuden?');
    await box.press('Enter');
    await expect.poll(async () => (await notes(maija)).at(-1)?.title, { timeout: 30_000 }).toBe('Sanna Virtanen mainitsi sinut');
    await expect.poll(() => maija.title(), { timeout: 10_000 }).toBe(`(${unreadAtStart + 2}) Yhteispöytä`);

    // The case's own count, as its card in the list shows it: reading its chat takes exactly that off the title.
    const card = maija.locator('.workspace-card', { hasText: CASE });
    const caseUnread = Number(/(\d+) uu/.exec((await card.locator('.badge-unread').textContent()) ?? '')?.[1] ?? -1);
    expect(caseUnread).toBeGreaterThanOrEqual(2);
    await openChat(maija);
    await maija.locator('.message-mentions-me mark.mention-self', { hasText: '@Maija Laine' }).waitFor({ timeout: 30_000 });
    const rest = unreadAtStart + 2 - caseUnread;
    await expect.poll(() => maija.title(), { timeout: 10_000 }).toBe(`${rest > 0 ? `(${rest}) ` : ''}${CASE} – Yhteispöytä`);
    // What she reads is not notified.
    const before = (await notes(maija)).length;
    await sanna.getByLabel('Kirjoita viesti').fill('Kiitos!');
    await sanna.getByLabel('Kirjoita viesti').press('Enter');
    await maija.locator('.message', { hasText: 'Kiitos!' }).waitFor({ timeout: 30_000 });
    expect((await notes(maija)).length).toBe(before);
    await expectAccessible(maija, 'the chat with a mention');
    await screenshot(maija, 'reach-02-chat-mention-1366');
  }, 240_000);

  it('shows "kirjoittaa…" while Sanna types and ends it a few seconds after she stops', async () => {
    const typing = maija.getByTestId('typing');
    await sanna.getByLabel('Kirjoita viesti').pressSequentially('Kirjoitan vielä', { delay: 40 });
    await expect.poll(() => typing.textContent(), { timeout: 15_000 }).toBe('Sanna Virtanen kirjoittaa…');
    const stoppedAt = Date.now();
    await expect.poll(() => typing.textContent(), { timeout: 15_000 }).toBe('');
    const lasted = Date.now() - stoppedAt;
    expect(lasted).toBeLessThan(10_000);
    await sanna.getByLabel('Kirjoita viesti').fill('');
  }, 120_000);

  it('notifies an information request addressed to her organisation', async () => {
    await sanna.getByRole('navigation', { name: 'Työtilan osat' }).getByRole('link', { name: 'Asiakirjat' }).click();
    const request = sanna.getByRole('form', { name: 'Lisäselvityspyyntö' });
    await request.getByLabel('Aihe').fill('Kelan päätöksen aikataulu');
    await request.getByLabel('Vastaanottaja').selectOption({ label: 'Kela' });
    await request.getByLabel('Mitä pyydetään').fill('Milloin jatkopäätös perustoimeentulotuesta tehdään?');
    await request.getByLabel('Miksi (peruste)').fill('Suunnitelman aikataulu');
    await request.getByLabel('Määräpäivä').fill('2026-12-20');
    await request.getByRole('button', { name: 'Lähetä pyyntö' }).click();
    await expect.poll(async () => (await notes(maija)).at(-1), { timeout: 30_000 }).toEqual({
      title: 'Uusi tietopyyntö sinulle: Sanna Virtanen',
      body: null,
      tag: expect.stringMatching(/^records:/),
    });
  }, 120_000);

  it('drops a removed member from "paikalla" within 5 s, tells the chat who removed him, and keeps his old message\'s organisation', async () => {
    tero = await open('Tero Hämäläinen');
    await tero.getByRole('link', { name: CASE }).first().click();
    const here = maija.getByTestId('here-now');
    await expect.poll(() => here.textContent(), { timeout: 60_000 }).toContain('Tero Hämäläinen');

    await sanna.getByRole('link', { name: 'Jäsenet ja suostumus' }).click();
    const row = sanna.locator('.member', { hasText: 'Tero Hämäläinen' });
    await row.getByRole('button', { name: 'Poista: Tero Hämäläinen' }).click();
    await row.getByRole('button', { name: 'Kyllä, poista työtilasta' }).click();
    const removedAt = Date.now();
    await expect.poll(() => here.textContent(), { timeout: 5_000, interval: 100 }).not.toContain('Tero Hämäläinen');
    const gone = Date.now() - removedAt;
    console.log(`removed member gone from "paikalla" on another screen after ${gone} ms`);
    expect(gone).toBeLessThan(5_000);

    const notice = maija.locator('.system-notice[data-kind=removed]');
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.textContent()).toMatch(/^Ilmoitus: Sanna Virtanen poisti työtilasta: Tero Hämäläinen · \d/);
    const old = maija.locator('.message', { hasText: 'Minulla on vapaa aika ensi viikon tiistaina' });
    await expect.poll(() => old.locator('.message-meta').textContent(), { timeout: 30_000 }).toMatch(/Tero Hämäläinen · Pirkanmaan hyvinvointialue · poistettu työtilasta/);
    await expectAccessible(maija, 'the chat after a removal');
    await screenshot(maija, 'reach-03-removal-notice-1366');

    // Tero is told who removed him and when, in plain words, and nothing technical.
    const told = tero.getByTestId('removed-notice');
    await told.waitFor({ timeout: 30_000 });
    expect(await told.locator('strong').textContent()).toMatch(/^Sanna Virtanen \(Pirkanmaan hyvinvointialue\) poisti sinut työtilasta ”Jani, 24 v” \d{1,2}\.\d{1,2}\.\d{4} klo \d{1,2}\.\d{2}\.$/);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await tero.locator('body').innerText()).not.toMatch(/Palvelin kieltäytyi|forbidden|refused|Pääsysi työtilaan on päättynyt|ongelma – katso luettelo/);
    await expectAccessible(tero, 'the removed person\'s view');
    await screenshot(tero, 'reach-05-removed-person-1366');
  }, 240_000);

  it('drops someone who leaves (closes the case) from "paikalla" within 5 s', async () => {
    const here = maija.getByTestId('here-now');
    await expect.poll(() => here.textContent(), { timeout: 30_000 }).toContain('Sanna Virtanen');
    await sanna.getByRole('link', { name: 'Kaikki työtilat' }).click();
    const leftAt = Date.now();
    await expect.poll(() => here.textContent(), { timeout: 5_000, interval: 100 }).not.toContain('Sanna Virtanen');
    const gone = Date.now() - leftAt;
    console.log(`a member who left the case gone from "paikalla" on another screen after ${gone} ms`);
    expect(gone).toBeLessThan(5_000);
  }, 60_000);

  it('reads at 390 px: the chat with notices, mentions and the notification control', async () => {
    const narrow = await open('Maija Laine', 390);
    await openChat(narrow);
    await narrow.locator('.system-notice[data-kind=removed]').waitFor({ timeout: 30_000 });
    await expectAccessible(narrow, 'the chat at 390 px');
    await screenshot(narrow, 'reach-04-chat-390');
  }, 120_000);

  it('said nothing in the browsers’ consoles', () => {
    for (const [person, said] of complaints) expect(said, person).toEqual([]);
  });
});
