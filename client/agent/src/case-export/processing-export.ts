/**
 * "Tietojeni käsittely" as a document (issue 13 point 3): the consent history, each member's
 * basis of access and the processing log, as the agent's processing view holds them — the
 * log only after the agent checked its hashes, and the result of that check written into
 * the document. The same content as the PDF and the JSON of the other exports.
 */
import type { AccessBasis, CaseExport, ConsentStep, ProcessingEntry, ProcessingView } from '@yhteispoyta/local-api';
import { formatTime } from './export-labels';
import type { ExportLang } from './export-labels';
import { base, personLine, section } from './export-content';
import type { ExportScene } from './export-content';

const WORDS = {
  fi: {
    title: 'Tietojeni käsittely',
    consent: 'Suostumushistoria',
    noConsent: 'Asiakas ei ole vielä vastannut suostumukseen.',
    steps: { granted: 'Suostumus annettu', changed: 'Suostumus muutettu', revoked: 'Suostumus peruttu', expired: 'Suostumus päättynyt' },
    orgs: 'organisaatiot',
    purpose: 'tarkoitus',
    until: 'voimassa',
    removed: 'poistettiin',
    handOver: 'omistajuus siirtyi',
    closed: 'asia suljettiin',
    bases: 'Käyttöoikeuden perusteet',
    basis: { self: 'asiakas itse', statute: 'lakisääteinen peruste', consent: 'asiakkaan suostumus', awaiting_answer: 'odottaa asiakkaan vastausta suostumukseen', no_client: 'ammattilaisten konsultaatio (ei asiakasta)' },
    since: 'alkaen',
    recordedBy: 'kirjannut',
    textMissing: 'tekstiä ei ole vielä saapunut tälle laitteelle',
    owner: 'omistaja',
    log: 'Käsittelyloki',
    logChecked: (n: number) => `Palvelimen lokin ${n} merkinnän tarkistesummat tarkistettiin ennen vientiä.`,
    logBroken: (seq: number, reason: string) => `Palvelimen lokin tarkistus epäonnistui merkinnän ${seq} kohdalla (${reason}); lokiin ei voi luottaa.`,
    logOffline: 'Palvelimeen ei saatu yhteyttä: käsittelylokia ei voitu hakea eikä tarkistaa.',
    truncated: 'Vain uusimmat merkinnät ovat mukana.',
    noLog: 'Ei merkintöjä.',
    actions: { join: 'avasi yhteyden työtilaan', fetch: 'haki tietoja', blob_download: 'latasi liitteen', blob_upload: 'toimitti liitteen', document_open: 'avasi asiakirjan', export: 'vei asiakirjan', membership_append: 'muutti jäsenyyttä', invitation_issue: 'kutsui asiakkaan', enrol: 'otti laitteen käyttöön', audit_query: 'luki käsittelylokia' } as Record<string, string>,
  },
  sv: {
    title: 'Behandlingen av mina uppgifter',
    consent: 'Samtyckeshistorik',
    noConsent: 'Klienten har ännu inte svarat om samtycke.',
    steps: { granted: 'Samtycke givet', changed: 'Samtycke ändrat', revoked: 'Samtycke återkallat', expired: 'Samtycket har gått ut' },
    orgs: 'organisationer',
    purpose: 'syfte',
    until: 'giltigt till',
    removed: 'avlägsnades',
    handOver: 'ägarskapet överfördes till',
    closed: 'ärendet stängdes',
    bases: 'Grunder för åtkomst',
    basis: { self: 'klienten själv', statute: 'lagstadgad grund', consent: 'klientens samtycke', awaiting_answer: 'väntar på klientens svar om samtycke', no_client: 'konsultation mellan yrkespersoner (ingen klient)' },
    since: 'från',
    recordedBy: 'registrerad av',
    textMissing: 'texten har ännu inte kommit till den här enheten',
    owner: 'ägare',
    log: 'Behandlingslogg',
    logChecked: (n: number) => `Kontrollsummorna för serverns loggs ${n} poster kontrollerades före exporten.`,
    logBroken: (seq: number, reason: string) => `Kontrollen av serverns logg misslyckades vid post ${seq} (${reason}); loggen kan inte litas på.`,
    logOffline: 'Servern kunde inte nås: behandlingsloggen kunde varken hämtas eller kontrolleras.',
    truncated: 'Endast de senaste posterna ingår.',
    noLog: 'Inga poster.',
    actions: { join: 'öppnade en anslutning till arbetsytan', fetch: 'hämtade uppgifter', blob_download: 'laddade ned en bilaga', blob_upload: 'lämnade en bilaga', document_open: 'öppnade en handling', export: 'exporterade en handling', membership_append: 'ändrade medlemskapet', invitation_issue: 'bjöd in klienten', enrol: 'tog en enhet i bruk', audit_query: 'läste behandlingsloggen' } as Record<string, string>,
  },
  en: {
    title: 'Processing of my data',
    consent: 'Consent history',
    noConsent: 'The client has not answered about consent yet.',
    steps: { granted: 'Consent given', changed: 'Consent changed', revoked: 'Consent revoked', expired: 'Consent expired' },
    orgs: 'organisations',
    purpose: 'purpose',
    until: 'valid until',
    removed: 'removed',
    handOver: 'ownership handed over to',
    closed: 'the case was closed',
    bases: 'Bases of access',
    basis: { self: 'the client himself', statute: 'statutory basis', consent: "the client's consent", awaiting_answer: "awaiting the client's answer about consent", no_client: 'consultation between professionals (no client)' },
    since: 'since',
    recordedBy: 'recorded by',
    textMissing: 'the text has not reached this device yet',
    owner: 'owner',
    log: 'Processing log',
    logChecked: (n: number) => `The hashes of the server log's ${n} entries were checked before the export.`,
    logBroken: (seq: number, reason: string) => `The check of the server log failed at entry ${seq} (${reason}); the log cannot be trusted.`,
    logOffline: 'The server could not be reached: the processing log could not be fetched or checked.',
    truncated: 'Only the newest entries are included.',
    noLog: 'No entries.',
    actions: { join: 'opened a connection to the workspace', fetch: 'fetched data', blob_download: 'downloaded an attachment', blob_upload: 'delivered an attachment', document_open: 'opened a document', export: 'exported a document', membership_append: 'changed the membership', invitation_issue: 'invited the client', enrol: 'took a device into use', audit_query: 'read the processing log' } as Record<string, string>,
  },
} as const;

type Words = (typeof WORDS)[ExportLang];

function stepLine(step: ConsentStep, w: Words, scene: ExportScene): string {
  const orgs = (ids: readonly string[]) => ids.map((id) => scene.orgName(id) ?? id).join(', ');
  const parts = [`${formatTime(scene.lang, step.at)}: ${w.steps[step.kind]}`];
  parts.push(`${w.orgs}: ${orgs(step.kind === 'revoked' || step.kind === 'expired' ? step.revokedOrgIds : step.orgIds) || '—'}`);
  if (step.purpose !== undefined) parts.push(`${w.purpose}: ${step.purpose}`);
  if (step.expiresAt !== undefined) parts.push(`${w.until} ${formatTime(scene.lang, step.expiresAt)}`);
  if (step.removed.length > 0) parts.push(`${w.removed}: ${step.removed.map((r) => r.displayName ?? personLine(scene.personOf(r.userId))).join(', ')}`);
  if (step.handOverTo !== undefined) parts.push(`${w.handOver} ${personLine(scene.personOf(step.handOverTo))}`);
  if (step.closed === true) parts.push(w.closed);
  return parts.join(' · ');
}

function basisLine(b: AccessBasis, w: Words, scene: ExportScene): string {
  const who = personLine({ userId: b.userId, displayName: b.displayName, orgId: b.role === 'client' ? null : b.orgId, orgName: b.orgName ?? scene.orgName(b.orgId) });
  const since = b.since === undefined ? '' : ` ${w.since} ${formatTime(scene.lang, b.since)}`;
  const s = b.statute;
  const statute =
    s === undefined ? '' : `: ${s.text ?? `(${w.textMissing})`} (${w.recordedBy} ${s.recordedByName ?? personLine(scene.personOf(s.recordedBy))}, ${formatTime(scene.lang, s.at)})`;
  return `${who}${b.owner ? ` (${w.owner})` : ''}: ${w.basis[b.basis]}${statute}${since}`;
}

function entryLine(e: ProcessingEntry, w: Words, scene: ExportScene): string | undefined {
  const action = w.actions[e.action];
  if (action === undefined) return undefined;
  const who = e.actorName === undefined ? (e.actor === null ? '—' : e.actor.userId) : e.actorOrg === undefined ? e.actorName : `${e.actorName} (${e.actorOrg})`;
  const what = e.detail['what'] ?? e.detail['type'];
  return `${formatTime(scene.lang, e.at)} — ${who} ${action}${what === undefined ? '' : ` (${what})`}`;
}

/** The processing view as an export. */
export function processingExport(view: ProcessingView, scene: ExportScene): CaseExport {
  const w = WORDS[scene.lang];
  const integrity =
    view.integrity === undefined ? w.logOffline : view.integrity.ok ? w.logChecked(view.integrity.entries) : w.logBroken(view.integrity.seq, view.integrity.reason);
  const lines = view.log.flatMap((e) => entryLine(e, w, scene) ?? []);
  return {
    ...base(scene, 'processing', `${w.title}: ${scene.workspace.label}`),
    authors: [scene.personOf(scene.selfUserId)],
    sections: [
      section(w.consent, ...(view.consentHistory.length === 0 ? [w.noConsent] : view.consentHistory.map((s) => stepLine(s, w, scene)))),
      section(w.bases, ...view.bases.map((b) => basisLine(b, w, scene))),
      section(w.log, integrity, ...(view.truncated ? [w.truncated] : []), ...(lines.length === 0 ? [w.noLog] : lines)),
    ],
    // Nothing here is a signed record event: the chain events behind the consent history were
    // verified when the chain was replayed, the log's hashes just now (its section says how it went).
    verification: { checkedAt: scene.now, verified: 0, pending: 0, events: [] },
  };
}
