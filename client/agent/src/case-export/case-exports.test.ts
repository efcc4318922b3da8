/**
 * Exports to the case record, made in the agent: the PDF carries the Finnish text with
 * ä, ö and å as extractable text (the embedded font), the authors with their organisations,
 * the dates and the verification of every event as seen at export; the JSON passes its
 * published schema; each export is recorded with exactly what was exported; an unknown
 * record is a CaseFileError with a stable code, and nothing is recorded.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { extractText, getDocumentProxy } from 'unpdf';
import { caseExportSchema } from '@yhteispoyta/local-api';
import type { CaseRecordView, ExportRequest, ProcessingView } from '@yhteispoyta/local-api';
import type { MemberView, WorkspaceSummary } from '../contracts';
import { CaseFileError } from '../case-files/case-file-error';
import { CaseExports } from './case-exports';
import type { ExportedEvent } from './case-exports';

const WS = 'ws-jani';
const AT = Date.UTC(2026, 11, 1, 9, 30);

const member = (userId: string, orgId: string, role: MemberView['role'], displayName: string, orgName?: string): MemberView => ({
  userId, orgId, role, owner: false, devices: [], displayName, ...(orgName === undefined ? {} : { orgName }), certified: true, uncertifiedDevices: [],
});

const WORKSPACE: WorkspaceSummary = {
  workspaceId: WS, kind: 'case', label: 'Jani, 24 v', epoch: 1, closed: false, lastActivityAt: AT, notices: [],
  members: [
    member('kaisa', 'kela', 'kela_expert', 'Kaisa Kelanen', 'Kela'),
    member('sanna', 'kunta', 'social_worker', 'Sanna Sosiaalityöntekijä', 'Hyvinvointialue'),
    member('jani', 'clients', 'client', 'Jani'),
  ],
};

const author = (userId: string, orgId: string | null, role: MemberView['role']) => ({ userId, orgId, role });

const REQUEST: CaseRecordView = {
  id: 'req-1', workspaceId: WS, kind: 'request', author: author('kaisa', 'kela', 'kela_expert'), at: AT, seq: 3, pending: false,
  steps: [
    { t: 'request', at: AT, seq: 3, by: author('kaisa', 'kela', 'kela_expert'), pending: false },
    { t: 'statement', at: AT + 3_600_000, seq: 5, by: author('sanna', 'kunta', 'social_worker'), pending: false },
    { t: 'request_acknowledge', at: AT + 7_200_000, seq: 6, by: author('kaisa', 'kela', 'kela_expert'), pending: true },
  ],
  status: 'acknowledged', to: { kind: 'org', orgId: 'kunta' }, subject: 'Lisäselvitys asumisesta',
  question: 'Onko asiakkaalla sosiaalihuollon asiakkuus ja mikä on hänen asumistilanteensa?', reason: 'Perustoimeentulotuen käsittely: hakemus on vireillä.',
  due: '2026-12-15', attachments: [], answeredBy: 'st-1',
};
const STATEMENT: CaseRecordView = {
  id: 'st-1', workspaceId: WS, kind: 'statement', author: author('sanna', 'kunta', 'social_worker'), at: AT + 3_600_000, seq: 5, pending: false,
  steps: [{ t: 'statement', at: AT + 3_600_000, seq: 5, by: author('sanna', 'kunta', 'social_worker'), pending: false }],
  content: 'Asiakkuus alkoi syksyllä; asunto Åbolandissa on väliaikainen.', reasons: 'Asiakasrekisterin merkinnät ja tapaaminen 28.11.',
  attachments: [{ blobId: 'blob-1', name: 'vuokrasopimus.pdf', type: 'application/pdf', size: 2048, sha256: 'a'.repeat(64) }], answers: 'req-1',
};
const MEETING: CaseRecordView = {
  id: 'meet-1', workspaceId: WS, kind: 'meeting', author: author('sanna', 'kunta', 'social_worker'), at: AT, seq: 7, pending: false,
  steps: [{ t: 'meeting', at: AT, seq: 7, by: author('sanna', 'kunta', 'social_worker'), pending: false }],
  status: 'planned', title: 'Verkostoneuvottelu', startsAt: AT + 86_400_000, agenda: ['Tilannekatsaus', 'Jatkosuunnitelma'], invited: ['kaisa', 'jani'], attended: [], decisions: [],
};

const PROCESSING: ProcessingView = {
  workspaceId: WS,
  consentHistory: [{ at: AT, kind: 'granted', orgIds: ['kela', 'kunta'], revokedOrgIds: [], purpose: 'Toimeentulon ja kuntoutuksen yhteinen suunnitelma', removed: [] }],
  bases: [
    { userId: 'sanna', displayName: 'Sanna Sosiaalityöntekijä', orgId: 'kunta', orgName: 'Hyvinvointialue', role: 'social_worker', owner: true, basis: 'consent', since: AT },
    { userId: 'jani', displayName: 'Jani', orgId: 'clients', role: 'client', owner: false, basis: 'self' },
    {
      userId: 'ville', displayName: 'Ville Omatyöntekijä', orgId: 'kunta', orgName: 'Hyvinvointialue', role: 'social_worker', owner: false, basis: 'statute',
      statute: { text: 'Sosiaalihuoltolaki (1301/2014) 42 § – omatyöntekijä', at: AT, recordedBy: 'sanna', recordedByName: 'Sanna Sosiaalityöntekijä' },
    },
  ],
  log: [
    { seq: 40, at: AT + 60_000, actor: { userId: 'kaisa', deviceId: 1 }, actorName: 'Kaisa Kelanen', actorOrg: 'Kela', action: 'blob_download', detail: { blobId: 'blob-1' } },
    { seq: 41, at: AT + 120_000, actor: { userId: 'sanna', deviceId: 1 }, actorName: 'Sanna Sosiaalityöntekijä', actorOrg: 'Hyvinvointialue', action: 'export', detail: { what: 'plan', format: 'pdf' } },
    // the server's own bookkeeping is not a processing of the client's data in his words
    { seq: 42, at: AT + 130_000, actor: { userId: 'sanna', deviceId: 1 }, actorName: 'Sanna Sosiaalityöntekijä', action: 'mailbox_send', detail: {} },
  ],
  integrity: { ok: true, entries: 42 },
  truncated: false,
};

function writeDoc(doc: Y.Doc, blocks: [string, string][]): void {
  const nodes = blocks.map(([name, text]) => {
    const el = new Y.XmlElement(name);
    el.insert(0, [new Y.XmlText(text)]);
    return el;
  });
  doc.getXmlFragment('default').insert(0, nodes);
}

function exportsWith(docs: Map<string, Y.Doc> = new Map()) {
  const recorded: ExportedEvent[] = [];
  const exports = new CaseExports({
    records: { list: async () => [REQUEST, STATEMENT, MEETING] },
    documents: { open: async (_ws, stream) => docs.get(stream) ?? new Y.Doc() },
    membership: { list: async () => [WORKSPACE] },
    processing: { view: async (workspaceId: string) => (workspaceId === WS ? PROCESSING : Promise.reject(new Error('unknown'))) },
    selfUserId: 'kaisa',
    now: () => AT + 8_000_000,
    recordExport: async (event) => {
      recorded.push(event);
    },
  });
  return { exports, recorded };
}

async function pdfText(bytes: Uint8Array): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true });
  // Wrapped lines read back as one text.
  return text.replace(/\s+/gu, ' ');
}

describe('CaseExports', () => {
  it('exports a request as a PDF whose extracted text has the Finnish text, the authors, the dates and the verification', async () => {
    const { exports, recorded } = exportsWith();
    const file = await exports.export(WS, { what: 'record', recordId: 'req-1', format: 'pdf', lang: 'fi' });
    expect(file.contentType).toBe('application/pdf');
    expect(file.fileName).toBe('Lisäselvityspyyntö-Lisäselvitys-asumisesta-2026-12-01.pdf');
    expect(Buffer.from(file.bytes.subarray(0, 5)).toString()).toBe('%PDF-');
    const text = await pdfText(file.bytes);
    expect(text).toContain('Lisäselvityspyyntö: Lisäselvitys asumisesta');
    expect(text).toContain('Asia: Jani, 24 v');
    expect(text).toContain('Onko asiakkaalla sosiaalihuollon asiakkuus');
    // ä, ö and å from the embedded font, read back as text.
    expect(text).toContain('Sanna Sosiaalityöntekijä (Hyvinvointialue)');
    expect(text).toContain('Åbolandissa');
    expect(text).toContain('Kaisa Kelanen (Kela)');
    expect(text).toContain('15.12.2026');
    expect(text).toContain('Allekirjoitukset tarkistettu viennin hetkellä');
    expect(text).toContain('2/3 tapahtuman allekirjoitus varmennettu');
    expect(text).toContain('1 omaa tapahtumaa odottaa vielä palvelinta');
    expect(text).toMatch(/pyyntö lähetetty — Kaisa Kelanen \(Kela\), .*allekirjoitus varmennettu \(seq 3\)/);
    expect(recorded).toEqual([{ workspaceId: WS, what: 'record', format: 'pdf' }]);
  });

  it('exports the same record as JSON that its schema accepts, with a schema version, in Swedish headings', async () => {
    const { exports, recorded } = exportsWith();
    const file = await exports.export(WS, { what: 'record', recordId: 'st-1', format: 'json', lang: 'sv' });
    expect(file.contentType).toBe('application/json');
    const parsed = caseExportSchema.parse(JSON.parse(new TextDecoder().decode(file.bytes)));
    expect(parsed).toMatchObject({
      schemaVersion: 1, what: 'record', lang: 'sv', title: 'Utlåtande', workspace: { id: WS, label: 'Jani, 24 v' },
      exportedBy: { userId: 'kaisa', displayName: 'Kaisa Kelanen', orgName: 'Kela' },
      authors: [{ userId: 'sanna', displayName: 'Sanna Sosiaalityöntekijä', orgId: 'kunta', orgName: 'Hyvinvointialue', role: 'social_worker' }],
      verification: { verified: 1, pending: 0, events: [{ event: 'statement', seq: 5, result: 'verified' }] },
      record: { id: 'st-1', kind: 'statement' },
    });
    expect(parsed.sections.map((s) => s.heading)).toEqual(['Svarar på begäran', 'Innehåll', 'Motivering', 'Bilagor']);
    expect(parsed.sections[3]?.paragraphs).toEqual(['vuokrasopimus.pdf (2048 B)']);
    expect(recorded).toEqual([{ workspaceId: WS, what: 'record', format: 'json' }]);
  });

  it('exports the plan with its text and agreed actions, and a meeting with its co-edited minutes', async () => {
    const plan = new Y.Doc();
    writeDoc(plan, [['heading', 'Asiakkaan tilanne'], ['paragraph', 'Jani hakee opiskelupaikkaa; tärkeää on säännöllinen päivärytmi.']]);
    const action = new Y.Map<unknown>();
    plan.getArray('actions').push([action]);
    for (const [k, v] of Object.entries({ id: 'a1', what: 'Hakemus ammattiopistoon', owner: 'Jani', organisation: '', due: '2027-01-10', status: 'planned', createdAt: AT })) action.set(k, k === 'what' ? new Y.Text(v as string) : v);
    const minutes = new Y.Doc();
    writeDoc(minutes, [['paragraph', 'Käytiin läpi tilanne; päätettiin yhteinen tapaaminen tammikuussa.']]);
    const { exports, recorded } = exportsWith(new Map([['doc:plan', plan], ['doc:meeting-meet-1', minutes]]));

    const planText = await pdfText((await exports.export(WS, { what: 'plan', format: 'pdf', lang: 'fi' })).bytes);
    expect(planText).toContain('Yhteinen asiakassuunnitelma');
    expect(planText).toContain('säännöllinen päivärytmi');
    expect(planText).toContain('Hakemus ammattiopistoon — Jani — määräaika 10.1.2027 — suunniteltu');
    expect(planText).toContain('Työtilan jäsenet viennin hetkellä');

    const content = await exports.content(WS, { what: 'minutes', recordId: 'meet-1', format: 'json', lang: 'en' });
    expect(content.title).toBe('Minutes: Verkostoneuvottelu');
    expect(content.sections.flatMap((s) => s.paragraphs)).toContain('Käytiin läpi tilanne; päätettiin yhteinen tapaaminen tammikuussa.');
    expect(content.authors.map((a) => a.userId)).toEqual(['sanna', 'kaisa', 'jani']);
    // The client belongs to no organisation, whatever the chain's bookkeeping calls his.
    expect(content.authors[2]).toMatchObject({ displayName: 'Jani', orgId: null });
    expect(content.verification.events.map((e) => e.event)).toEqual(['meeting', 'document:meeting-meet-1']);
    expect(recorded).toEqual([{ workspaceId: WS, what: 'plan', format: 'pdf' }]);
  });

  it('refuses an unknown record, minutes of what is not a meeting and an unknown workspace with stable codes, recording nothing', async () => {
    const { exports, recorded } = exportsWith();
    const codeOf = async (workspaceId: string, request: ExportRequest): Promise<string> => {
      try {
        await exports.export(workspaceId, request);
        return 'exported';
      } catch (error) {
        return error instanceof CaseFileError ? error.code : 'other';
      }
    };
    expect(await codeOf(WS, { what: 'record', recordId: 'no-such', format: 'pdf', lang: 'fi' })).toBe('unknown_record');
    expect(await codeOf(WS, { what: 'minutes', recordId: 'req-1', format: 'json', lang: 'fi' })).toBe('unknown_record');
    expect(await codeOf('ws-other', { what: 'plan', format: 'json', lang: 'fi' })).toBe('unknown_workspace');
    expect(recorded).toEqual([]);
  });

  it('withholds an export that could not be recorded', async () => {
    const exports = new CaseExports({
      records: { list: async () => [REQUEST] },
      documents: { open: async () => new Y.Doc() },
      membership: { list: async () => [WORKSPACE] },
      processing: { view: async () => PROCESSING },
      selfUserId: 'kaisa',
      now: () => AT,
      recordExport: async () => {
        throw new Error('audit log unreachable');
      },
    });
    await expect(exports.export(WS, { what: 'record', recordId: 'req-1', format: 'json', lang: 'fi' })).rejects.toThrow('audit log unreachable');
  });
  it('exports "Tietojeni käsittely" as a PDF: consent history, bases of access and the checked log in words, recorded', async () => {
    const { exports, recorded } = exportsWith();
    const file = await exports.export(WS, { what: 'processing', format: 'pdf', lang: 'fi' });
    const text = await pdfText(file.bytes);
    expect(text).toContain('Tietojeni käsittely: Jani, 24 v');
    expect(text).toContain('Suostumus annettu');
    expect(text).toContain('organisaatiot: Kela, Hyvinvointialue');
    expect(text).toContain('tarkoitus: Toimeentulon ja kuntoutuksen yhteinen suunnitelma');
    expect(text).toContain('Sanna Sosiaalityöntekijä (Hyvinvointialue) (omistaja): asiakkaan suostumus');
    expect(text).toContain('Jani: asiakas itse');
    expect(text).toMatch(/Ville Omatyöntekijä \(Hyvinvointialue\): lakisääteinen peruste: Sosiaalihuoltolaki \(1301\/2014\) 42 § – omatyöntekijä \(kirjannut Sanna Sosiaalityöntekijä, [^)]+\)/);
    expect(text).toContain('Palvelimen lokin 42 merkinnän tarkistesummat tarkistettiin ennen vientiä.');
    expect(text).toContain('Kaisa Kelanen (Kela) latasi liitteen');
    expect(text).toContain('Sanna Sosiaalityöntekijä (Hyvinvointialue) vei asiakirjan (plan)');
    expect(text).not.toContain('mailbox');
    expect(recorded).toEqual([{ workspaceId: WS, what: 'processing', format: 'pdf' }]);

    const json = caseExportSchema.parse(JSON.parse(new TextDecoder().decode((await exports.export(WS, { what: 'processing', format: 'json', lang: 'sv' })).bytes)));
    expect(json.title).toBe('Behandlingen av mina uppgifter: Jani, 24 v');
    expect(json.sections.map((s) => s.heading)).toEqual(['Samtyckeshistorik', 'Grunder för åtkomst', 'Behandlingslogg']);
  });

  it('says in the document that the log could not be trusted when its check failed', async () => {
    const exports = new CaseExports({
      records: { list: async () => [] },
      documents: { open: async () => new Y.Doc() },
      membership: { list: async () => [WORKSPACE] },
      processing: { view: async () => ({ ...PROCESSING, integrity: { ok: false, seq: 41, reason: 'hash' } }) },
      selfUserId: 'jani',
      now: () => AT,
      recordExport: async () => undefined,
    });
    const json = caseExportSchema.parse(JSON.parse(new TextDecoder().decode((await exports.export(WS, { what: 'processing', format: 'json', lang: 'en' })).bytes)));
    expect(json.sections[2]?.paragraphs[0]).toBe('The check of the server log failed at entry 41 (hash); the log cannot be trusted.');
  });
});
