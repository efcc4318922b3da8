/**
 * An open tab across a restart of its agent (issue 14 point 2): the page, opened once from
 * the agent's printed address, says in Finnish that the program on this computer does not
 * answer while the agent is down — never a raw refusal or JSON — and, when the agent comes
 * back at the same address (its port and token last in the profiles directory), the same
 * tab reconnects by itself and asks for the profile's password again, with the profile
 * listed; unlocking it works without reloading or copying anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from '../integration/harness';
import { UiCluster, seriousViolations } from './browser-harness';
import type { PersonPage } from './browser-harness';
import { ensureUiBuilt } from './ui-build';

const PROFILE = 'Riikka Rantanen';
const PASSPHRASE = 'riikka ja kolme kiveä rannalla';

let cluster: UiCluster;
let agent: AgentProcess;
let riikka: PersonPage;

beforeAll(async () => {
  await ensureUiBuilt();
  cluster = await UiCluster.start();
  agent = await cluster.startAgent('restart');
}, 300_000);

afterAll(async () => {
  await cluster?.close();
});

describe('an open tab across an agent restart', () => {
  it('says in Finnish that the program is not answering, then reconnects at the same address and asks to unlock', async () => {
    riikka = await cluster.openPage('riikka', agent);
    const { page } = riikka;
    const form = page.getByRole('region', { name: 'Luo uusi profiili' });
    await form.getByLabel('Profiilin nimi').fill(PROFILE);
    await form.getByLabel('Salasana', { exact: true }).fill(PASSPHRASE);
    await form.getByLabel('Salasana uudelleen').fill(PASSPHRASE);
    await form.getByRole('button', { name: 'Luo profiili' }).click();
    await page.getByRole('heading', { name: 'Ota tämä laite käyttöön' }).waitFor({ timeout: 60_000 });
    const address = agent.api.url;

    await agent.stop();
    await page.getByText('Ei yhteyttä tämän tietokoneen ohjelmaan').first().waitFor({ timeout: 30_000 });
    const downText = await page.locator('body').innerText();
    expect(downText).not.toMatch(/[{}]|"error"|unauthenticated|forbidden/);

    await agent.restart();
    // The same address: the tab needs nothing new.
    expect(agent.api.url).toBe(address);
    const unlockForm = page.getByRole('region', { name: 'Avaa profiilisi' });
    const unlock = unlockForm.getByRole('button', { name: 'Avaa', exact: true });
    await unlock.waitFor({ timeout: 60_000 });
    expect(await page.getByText('Ei yhteyttä tämän tietokoneen ohjelmaan').count()).toBe(0);
    expect(await page.locator('body').innerText()).toContain(PROFILE);
    expect(await seriousViolations(page)).toEqual([]);
    await unlockForm.getByLabel('Salasana', { exact: true }).fill(PASSPHRASE);
    await unlock.click();
    await page.getByRole('heading', { name: 'Ota tämä laite käyttöön' }).waitFor({ timeout: 60_000 });
    // While the agent is down the page's requests fail at the socket: refused, or reset when the
    // agent went away in the middle of one (both expected; anything else is a complaint).
    expect(riikka.complaints.filter((c) => !c.includes('WebSocket') && !c.includes('ERR_CONNECTION_REFUSED') && !c.includes('ERR_CONNECTION_RESET'))).toEqual([]);
  }, 180_000);
});
