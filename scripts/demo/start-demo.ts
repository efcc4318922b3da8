/**
 * `npm run demo`'s work: a fresh server on the embedded sqlite store, a deployment root
 * with two organisations (Kela and a wellbeing services county) made and registered with
 * the real admin tooling, four agents — Kela expert, social worker, health professional,
 * client — enrolled the real way and certified by their organisations, and the seed case
 * filled in through the agents' own services: the case workspace "Jani, 24 v" with the
 * client's consent, its plan sections and agreed actions, a chat exchange with an
 * attachment, and a consultation without the client. Every agent gets its own local API
 * and UI; the returned addresses open straight into each person's view.
 *
 * Nothing is faked: the server sees only ciphertext, and every membership step is signed
 * and verified exactly as when people do it in the UI.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Logger } from 'pino';
import * as Y from 'yjs';
import { AdminClient, createOrganisation, createRoot, MemoryOrgStateStore, OrgAuthority } from '@yhteispoyta/admin/index';
import { randomBytes, utf8 } from '@yhteispoyta/crypto/bytes';
import { startServer } from '@yhteispoyta/server/app';
import { loadConfig } from '@yhteispoyta/server/config';
import { AgentHost, createSessionFactory } from '@yhteispoyta/agent/agent';
import type { AgentSession } from '@yhteispoyta/agent/agent';
import { parseAgentConfig } from '@yhteispoyta/agent/config';
import { startApiServer } from '@yhteispoyta/agent/api/server';
import type { RunningApi } from '@yhteispoyta/agent/api/server';
import { LOCAL_EDIT } from '@yhteispoyta/agent/sync/doc-origin';
import { addAction, PLAN_ACTIONS as PLAN_ACTIONS_ARRAY, PLAN_FRAGMENT, PLAN_META, TEMPLATE_FLAG } from '../../client/ui/src/plan/plan-doc';
import {
  CASE_ATTACHMENT, CASE_CHAT, CASE_LABEL, CASE_MEETING, CASE_REQUEST, CASE_STATEMENT, CASE_TRANSITION, CONSENT_PURPOSE, CONSULTATION_CHAT, CONSULTATION_LABEL, ORGANISATIONS, PEOPLE, PLAN_ACTIONS, PLAN_SECTIONS,
} from './seed-case';
import type { DemoPersonSpec } from './seed-case';

/** What {@link startDemo} takes. */
export interface DemoOptions {
  /** the demo's folder; emptied at start (server store, agent profiles) */
  readonly dir: string;
  /** log level of the server and the agents (stderr) */
  readonly logLevel: string;
  /** progress lines for the console */
  readonly progress: (line: string) => void;
}

/** One running person of the demo. */
export interface DemoPerson {
  readonly spec: DemoPersonSpec;
  readonly userId: string;
  /** the address that opens this person's view (token in the fragment) */
  readonly openUrl: string;
}

/** The running demo. */
export interface RunningDemo {
  readonly serverUrl: string;
  readonly people: readonly DemoPerson[];
  /** the passphrase of every demo profile (to unlock one after locking it in the UI) */
  readonly passphrase: string;
  readonly caseWorkspaceId: string;
  readonly consultationWorkspaceId: string;
  close(): Promise<void>;
}

interface RunningPerson {
  readonly spec: DemoPersonSpec;
  readonly host: AgentHost;
  userId: string;
  api?: RunningApi;
}

const DAY_MS = 86_400_000;

/** Poll `check` until it holds; throws a readable error after `timeoutMs`. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`the demo timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function sessionOf(person: RunningPerson): AgentSession {
  const session = person.host.session();
  if (session === undefined) throw new Error(`${person.spec.displayName} has no running session`);
  return session;
}

const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Accept the invitation to `workspaceId` as its invitee does in the UI, once his agent shows it. */
async function accept(membership: AgentSession['parts']['membership'], workspaceId: string, who: string): Promise<void> {
  await until(`${who} to see the invitation`, async () => (await membership.invitations()).some((i) => i.workspaceId === workspaceId));
  await membership.acceptInvitation(workspaceId);
}

/** Start the demo; on any failure everything started so far is stopped again. */
export async function startDemo(opts: DemoOptions): Promise<RunningDemo> {
  rmSync(opts.dir, { recursive: true, force: true });
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const stops: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    return await run(opts, stops, close);
  } catch (error) {
    await close();
    throw error;
  }
}

async function run(opts: DemoOptions, stops: (() => Promise<void>)[], close: () => Promise<void>): Promise<RunningDemo> {
  const adminToken = Buffer.from(randomBytes(24)).toString('base64url');
  const config = loadConfig({ ...process.env, SQLITE_PATH: join(opts.dir, 'server.db'), ADMIN_TOKEN: adminToken, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: opts.logLevel });
  const server = await startServer({ config, logDestination: pino.destination(2) });
  stops.push(() => server.close());
  opts.progress(`server: ${server.url}`);

  // The deployment root and the two organisations, as `npm run admin -- init-root / create-org` make them.
  const admin = new AdminClient({ baseUrl: server.url, token: adminToken });
  const root = createRoot();
  const orgs = new Map<string, { orgId: string; authority: OrgAuthority }>();
  for (const org of ORGANISATIONS) {
    const state = await createOrganisation({ root, name: org.name, admin });
    orgs.set(org.key, { orgId: state.orgId, authority: await OrgAuthority.open({ store: new MemoryOrgStateStore(state), admin }) });
  }
  const orgOf = (key: string) => {
    const org = orgs.get(key);
    if (org === undefined) throw new Error(`no organisation ${key}`);
    return org;
  };

  const passphrase = `demo-${Buffer.from(randomBytes(9)).toString('base64url')}`;
  const logger: Logger = pino({ level: opts.logLevel }, pino.destination(2));
  const people = new Map<DemoPersonSpec['key'], RunningPerson>();
  const newPerson = async (spec: DemoPersonSpec): Promise<RunningPerson> => {
    const parsed = parseAgentConfig(['--server', server.url, '--dir', join(opts.dir, 'profiles', spec.key), '--log-level', opts.logLevel], {});
    if (!parsed.ok) throw new Error(parsed.help ? 'unexpected --help' : parsed.errors.join('; '));
    mkdirSync(parsed.config.profilesDir, { recursive: true, mode: 0o700 });
    const host = new AgentHost({ config: parsed.config, factory: createSessionFactory(), logger: logger.child({ person: spec.key }) });
    stops.push(() => host.close());
    const created = await host.createProfile(spec.profile, passphrase);
    if (!created.ok) throw new Error(`${spec.displayName}: ${created.message}`);
    const person: RunningPerson = { spec, host, userId: '' };
    people.set(spec.key, person);
    return person;
  };
  const person = (key: DemoPersonSpec['key']): RunningPerson => {
    const found = people.get(key);
    if (found === undefined) throw new Error(`no demo person ${key}`);
    return found;
  };

  // The professionals enrol with codes of their organisation's admin, who certifies them.
  for (const spec of PEOPLE) {
    if (spec.org === undefined) continue;
    const org = orgOf(spec.org);
    const running = await newPerson(spec);
    const issued = await org.authority.issueCode({ role: spec.role, displayName: spec.displayName });
    const enrolled = await running.host.enrol(issued.code);
    if (!enrolled.ok) throw new Error(`${spec.displayName}: ${enrolled.message}`);
    running.userId = issued.userId;
    await org.authority.certifyPending();
    await until(`${spec.displayName} to be certified`, () => sessionOf(running).parts.devices.certification().state === 'certified');
    opts.progress(`enrolled and certified: ${spec.displayName} (${spec.title})`);
  }

  // The social worker opens the case and invites the client, who enrols with the invitation and consents.
  const social = person('social');
  const membership = (key: DemoPersonSpec['key']) => sessionOf(person(key)).parts.membership;
  const { workspaceId: caseId } = await membership('social').create('case', CASE_LABEL);
  const clientSpec = PEOPLE.find((p) => p.key === 'client');
  if (clientSpec === undefined) throw new Error('no client in the cast');
  const invitation = await membership('social').inviteClient(caseId, clientSpec.displayName);
  const client = await newPerson(clientSpec);
  const enrolled = await client.host.enrol(invitation.code);
  if (!enrolled.ok) throw new Error(`${clientSpec.displayName}: ${enrolled.message}`);
  client.userId = invitation.userId;
  opts.progress(`invited and enrolled: ${clientSpec.displayName} (${clientSpec.title}); waiting for the social worker's agent to bring his device into the case…`);
  await until("the client's device to join the case", async () => (await membership('client').list()).some((w) => w.workspaceId === caseId));
  await membership('client').grantConsent(caseId, { orgIds: [orgOf('kela').orgId, orgOf('county').orgId], purpose: CONSENT_PURPOSE });
  opts.progress('the client consented to Kela and the wellbeing services county');

  // Under the consent, the owner adds the Kela expert and the health professional.
  for (const key of ['kela', 'health'] as const) {
    const userId = person(key).userId;
    await until(`${person(key).spec.displayName} to be added under the consent`, () =>
      membership('social').addMember(caseId, userId).then(() => true, () => false),
    );
  }
  for (const key of ['kela', 'health', 'client'] as const) {
    await until(`${person(key).spec.displayName} to hold the case's key`, () => sessionOf(person(key)).parts.keys.currentEpoch(caseId) !== undefined);
  }
  // A professional someone else added holds the case as an invitation until he accepts it himself.
  for (const key of ['kela', 'health'] as const) await accept(membership(key), caseId, person(key).spec.displayName);
  opts.progress(`case "${CASE_LABEL}": four members`);

  // The plan: the sections with the case's text, and the agreed actions with owners and due dates.
  const now = Date.now();
  const plan = await sessionOf(social).parts.documents.open(caseId, 'doc:plan');
  plan.transact(() => {
    const fragment = plan.getXmlFragment(PLAN_FRAGMENT);
    const nodes: Y.XmlElement[] = [];
    for (const section of PLAN_SECTIONS) {
      const heading = new Y.XmlElement('heading');
      // TipTap's heading level is a number (see plan-doc.ts).
      (heading as unknown as Y.XmlElement<Record<string, number>>).setAttribute('level', 2);
      heading.insert(0, [new Y.XmlText(section.heading)]);
      nodes.push(heading);
      for (const text of section.paragraphs) {
        const paragraph = new Y.XmlElement('paragraph');
        paragraph.insert(0, [new Y.XmlText(text)]);
        nodes.push(paragraph);
      }
    }
    fragment.insert(0, nodes);
    plan.getMap(PLAN_META).set(TEMPLATE_FLAG, true);
    PLAN_ACTIONS.forEach((action, i) => {
      const owner = person(action.owner).spec;
      const organisation = owner.org === undefined ? '' : (ORGANISATIONS.find((o) => o.key === owner.org)?.name ?? '');
      // The owner is the member himself (his userId); the free-text name stays for earlier readers.
      addAction(plan, { id: `demo-action-${i + 1}`, what: action.what, owner: owner.displayName, organisation, ownerUserId: person(action.owner).userId, due: isoDate(now + action.dueInDays * DAY_MS), status: action.status }, now);
    });
  }, LOCAL_EDIT);
  await sessionOf(social).parts.documents.flush();
  opts.progress(`plan: ${PLAN_SECTIONS.length} sections, ${plan.getArray(PLAN_ACTIONS_ARRAY).length} agreed actions`);

  // The chat, with the current activation plan attached to the first message.
  const attachment = await sessionOf(social).parts.chat.uploadAttachment(caseId, { name: CASE_ATTACHMENT.name, type: CASE_ATTACHMENT.type, bytes: utf8(CASE_ATTACHMENT.text) });
  for (const [i, line] of CASE_CHAT.entries()) {
    const chat = sessionOf(person(line.from)).parts.chat;
    const sent = await chat.send(caseId, line.text, i === 0 ? [attachment] : []);
    await until(`the chat message of ${person(line.from).spec.displayName} to be stored`, async () =>
      (await chat.list(caseId)).some((m) => m.id === sent.id && !m.pending),
    );
  }
  opts.progress(`chat: ${CASE_CHAT.length} messages, 1 attachment`);

  // The records: Kela's information request answered by social care's statement (with the
  // attachment already in the chat, by reference) and acknowledged; a network meeting held,
  // whose decision becomes an agreed action; a transition point ahead.
  const records = (key: DemoPersonSpec['key']) => sessionOf(person(key)).parts.records;
  const settled = async (recordId: string, what: string): Promise<void> => {
    for (const other of ['kela', 'social'] as const) {
      await until(`${what} to reach ${person(other).spec.displayName}`, async () => {
        const record = await records(other).get(caseId, recordId);
        return record !== undefined && !record.pending;
      });
    }
  };
  const request = await records('kela').send(caseId, {
    t: 'request', to: { kind: 'org', orgId: orgOf('county').orgId }, subject: CASE_REQUEST.subject, question: CASE_REQUEST.question, reason: CASE_REQUEST.reason,
    due: isoDate(now + CASE_REQUEST.dueInDays * DAY_MS), attachments: [],
  });
  await settled(request.id, 'the information request');
  const statement = await records('social').send(caseId, { t: 'statement', answers: request.id, content: CASE_STATEMENT.content, reasons: CASE_STATEMENT.reasons, attachments: [attachment] });
  await settled(statement.id, 'the statement');
  await records('kela').send(caseId, { t: 'request_acknowledge', requestId: request.id });
  const everyone = PEOPLE.map((p) => person(p.key).userId);
  const meeting = await records('social').send(caseId, {
    t: 'meeting', title: CASE_MEETING.title, startsAt: now - 2 * 3_600_000, place: CASE_MEETING.place, agenda: [...CASE_MEETING.agenda], invited: everyone.filter((id) => id !== social.userId),
  });
  await settled(meeting.id, 'the meeting');
  await records('social').send(caseId, { t: 'meeting_attendance', meetingId: meeting.id, attended: everyone });
  await records('social').send(caseId, {
    t: 'meeting_decision', meetingId: meeting.id, text: CASE_MEETING.decision, action: { ownerUserId: person('health').userId, due: isoDate(now + 30 * DAY_MS) },
  });
  const transition = await records('social').send(caseId, {
    t: 'transition', kind: 'employment', description: CASE_TRANSITION.description, date: isoDate(now + CASE_TRANSITION.inDays * DAY_MS), actor: { kind: 'org', orgId: orgOf('county').orgId },
  });
  await settled(transition.id, 'the transition point');
  opts.progress('records: an information request answered by a statement and acknowledged, a network meeting with a decision, a transition point');

  // The second seed case: a consultation between Kela and social care, without the client.
  const { workspaceId: consultationId } = await membership('kela').create('consultation', CONSULTATION_LABEL);
  await membership('kela').addMember(consultationId, social.userId);
  await until('the social worker to hold the consultation key', () => sessionOf(social).parts.keys.currentEpoch(consultationId) !== undefined);
  await accept(membership('social'), consultationId, social.spec.displayName);
  for (const line of CONSULTATION_CHAT) {
    const chat = sessionOf(person(line.from)).parts.chat;
    const sent = await chat.send(consultationId, line.text);
    await until('the consultation message to be stored', async () => (await chat.list(consultationId)).some((m) => m.id === sent.id && !m.pending));
  }
  opts.progress(`consultation "${CONSULTATION_LABEL}": Kela and social care`);

  // Each person's own local API and UI.
  const running: DemoPerson[] = [];
  for (const spec of PEOPLE) {
    const p = person(spec.key);
    const api = await startApiServer({ host: p.host, port: 0, logger: logger.child({ person: spec.key }) });
    stops.push(() => api.close());
    p.api = api;
    running.push({ spec, userId: p.userId, openUrl: api.openUrl });
  }
  return { serverUrl: server.url, people: running, passphrase, caseWorkspaceId: caseId, consultationWorkspaceId: consultationId, close };
}
