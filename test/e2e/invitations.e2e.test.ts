/**
 * Invitations in the browser (issue 15, point 2): Sari adds two colleagues to a
 * consultation. Each first sees "<name>, <organisation> kutsui sinut: <label>" with the label
 * marked unverified, and the workspace is not among his; Kalle accepts and it appears in his
 * list, Helmi declines (after confirming in the page) and leaves it — Sari's agent sees her
 * go and rotates the key. Looked at in Finnish at 1366 and 390 px, axe-clean.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { AgentProcess } from '../integration/harness';
import { waitFor } from '../integration/wait-for';
import { UiCluster, screenshot, seriousViolations } from './browser-harness';
import { ensureUiBuilt } from './ui-build';

const LABEL = 'Kotihoidon konsultaatio';
let cluster: UiCluster;
let sari: AgentProcess;
let kalle: AgentProcess;
let helmi: AgentProcess;
let workspaceId: string;

async function expectAccessible(page: Page, view: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${view}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
}

/** A professional's agent with a certified profile, made through its API (the UI of enrolment is tested elsewhere). */
async function professional(name: string, displayName: string, orgId: string, role: 'social_worker' | 'kela_expert' | 'health_professional'): Promise<AgentProcess> {
  const agent = await cluster.startAgent(name);
  const code = await cluster.server.issueEnrolmentCode({ orgId, role, displayName });
  await agent.api.createProfile(name, `${name} ja kolme kiveä rannalla`);
  const enrolled = await agent.api.enrol(code.code);
  if (enrolled.device === undefined) throw new Error(`${name} did not enrol`);
  userIds.set(agent, enrolled.device.userId);
  return agent;
}

const userIds = new Map<AgentProcess, string>();
const userIdOf = (agent: AgentProcess): string => userIds.get(agent) ?? '';

beforeAll(async () => {
  await ensureUiBuilt();
  cluster = await UiCluster.start();
  const hva = await cluster.server.createOrg('Hyvinvointialue');
  const kela = await cluster.server.createOrg('Kela');
  sari = await professional('sari', 'Sari Virtanen', hva, 'social_worker');
  kalle = await professional('kalle', 'Kalle Korhonen', kela, 'kela_expert');
  helmi = await professional('helmi', 'Helmi Nieminen', hva, 'health_professional');
  await cluster.server.certifyPending();
  await waitFor(async () => (await sari.api.status()).device?.certification.state === 'certified', { timeoutMs: 60_000, what: 'sari certified' });
  workspaceId = (await sari.api.createWorkspace('consultation', LABEL)).workspaceId;
  await waitFor(async () => (await kalle.api.status()).device?.certification.state === 'certified', { timeoutMs: 60_000, what: 'kalle certified' });
  await waitFor(async () => (await helmi.api.status()).device?.certification.state === 'certified', { timeoutMs: 60_000, what: 'helmi certified' });
  await sari.api.addMember(workspaceId, userIdOf(kalle));
  await sari.api.addMember(workspaceId, userIdOf(helmi));
}, 300_000);

afterAll(async () => {
  await cluster?.close();
});

describe('invitations in Chromium', () => {
  it('Kalle sees who invited him and to what, the workspace is not his until he accepts', async () => {
    const { page, complaints } = await cluster.openPage('kalle', kalle);
    const invitation = page.getByRole('listitem').filter({ hasText: `Sari Virtanen, Hyvinvointialue kutsui sinut: ${LABEL}` });
    await invitation.waitFor({ timeout: 60_000 });
    await page.getByRole('heading', { name: 'Kutsu odottaa päätöstäsi' }).waitFor();
    expect(await invitation.getByText('nimeä ei ole varmennettu').count()).toBe(1);
    expect(await invitation.getByText('kutsujan henkilöllisyys on varmennettu').count()).toBe(1);
    // Not among his workspaces: no card links to it.
    expect(await page.locator(`a[href*="${workspaceId}"]`).count()).toBe(0);
    await expectAccessible(page, 'invitation');
    await page.setViewportSize({ width: 1366, height: 900 });
    await screenshot(page, 'invitation-01-kalle-1366');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'invitation-02-kalle-390');
    await expectAccessible(page, 'invitation at 390 px');

    await invitation.getByRole('button', { name: 'Hyväksy kutsu' }).click();
    await page.getByRole('link', { name: LABEL }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('heading', { name: 'Kutsu odottaa päätöstäsi' }).count()).toBe(0);
    await page.setViewportSize({ width: 1366, height: 900 });
    await screenshot(page, 'invitation-03-kalle-accepted');
    expect(complaints).toEqual([]);
  }, 180_000);

  it('Helmi declines after confirming, leaves the workspace, and the owner rotates the key without her', async () => {
    const { page, complaints } = await cluster.openPage('helmi', helmi);
    const invitation = page.getByRole('listitem').filter({ hasText: `Sari Virtanen, Hyvinvointialue kutsui sinut: ${LABEL}` });
    await invitation.waitFor({ timeout: 60_000 });
    await invitation.getByRole('button', { name: 'Kieltäydy' }).click();
    await page.getByText(`Kieltäydytäänkö kutsusta työtilaan ”${LABEL}”?`).waitFor();
    await expectAccessible(page, 'decline confirmation');
    await screenshot(page, 'invitation-04-helmi-confirm');
    await page.getByRole('button', { name: 'Kyllä, kieltäydy' }).click();
    await invitation.waitFor({ state: 'detached', timeout: 30_000 });
    expect(await page.locator(`a[href*="${workspaceId}"]`).count()).toBe(0);
    // Sari's agent sees her go and rotates: the new epoch key never reaches her.
    await waitFor(async () => !(await sari.api.members(workspaceId)).some((m) => m.userId === userIdOf(helmi)), { timeoutMs: 60_000, what: 'helmi gone from the chain' });
    await waitFor(async () => (await sari.api.workspaces()).find((w) => w.workspaceId === workspaceId)?.epoch === 2, { timeoutMs: 60_000, what: 'sari rotated' });
    expect(complaints).toEqual([]);
  }, 180_000);
});
