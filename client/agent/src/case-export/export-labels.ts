/**
 * The words of an export to the case record in Finnish, Swedish and English (the UI's
 * language at the moment of export). The PDF is read by people in the receiving
 * organisation's case system; the JSON carries the same headings.
 */
import type { CaseRecordView } from '@yhteispoyta/local-api';

/** A language of an export. */
export type ExportLang = 'fi' | 'sv' | 'en';

const FI = {
  kinds: { request: 'Lisäselvityspyyntö', statement: 'Lausunto', decision: 'Päätös', concern: 'Ilmoitus sosiaalihuollon tarpeesta', meeting: 'Verkostoneuvottelu', transition: 'Nivelvaihe' },
  plan: 'Yhteinen asiakassuunnitelma',
  minutes: 'Muistio',
  caseLabel: 'Asia',
  exported: 'Viety',
  authors: 'Laatijat',
  members: 'Työtilan jäsenet viennin hetkellä',
  date: 'Päivämäärä',
  to: 'Vastaanottaja',
  question: 'Mitä pyydetään',
  reason: 'Miksi',
  due: 'Määräaika',
  status: 'Tila',
  attachments: 'Liitteet',
  answeredBy: 'Vastattu lausunnolla',
  content: 'Sisältö',
  reasons: 'Perustelut',
  answers: 'Vastaa pyyntöön',
  cites: 'Miten lausunto on otettu huomioon',
  urgency: 'Kiireellisyys',
  clientTold: 'Asiakkaalle kerrottu',
  feedback: 'Palaute',
  startsAt: 'Aika',
  place: 'Paikka',
  link: 'Linkki',
  agenda: 'Asialista',
  invited: 'Kutsutut',
  attended: 'Läsnä',
  decisions: 'Päätökset',
  transition: 'Nivelvaiheen laji',
  description: 'Kuvaus',
  actor: 'Toimija',
  actions: 'Sovitut toimenpiteet',
  noActions: 'Ei sovittuja toimenpiteitä.',
  empty: '(tyhjä)',
  yes: 'kyllä',
  no: 'ei',
  verification: 'Allekirjoitukset tarkistettu viennin hetkellä',
  verifiedSummary: (verified: number, total: number) => `${verified}/${total} tapahtuman allekirjoitus varmennettu`,
  pendingSummary: (pending: number) => `${pending} omaa tapahtumaa odottaa vielä palvelinta`,
  verified: 'allekirjoitus varmennettu',
  pending: 'oma, ei vielä palvelimella',
  document: 'Yhteismuokattu asiakirja: jokainen muutos varmennettiin (allekirjoitus, jäsenyys, järjestys) ennen kuin se otettiin mukaan',
  statuses: { sent: 'lähetetty', answered: 'vastattu', acknowledged: 'kuitattu', withdrawn: 'peruttu', closed: 'suljettu', planned: 'suunniteltu', held: 'pidetty', cancelled: 'peruttu', in_progress: 'kesken', done: 'tehty' } as Record<string, string>,
  urgencies: { urgent: 'kiireellinen', not_urgent: 'ei kiireellinen' } as Record<string, string>,
  transitions: { move: 'muutto', studies: 'opinnot', benefit_age_limit: 'etuuden ikäraja', coming_of_age: 'täysi-ikäisyys', employment: 'työllistyminen', other: 'muu' } as Record<string, string>,
  steps: { request: 'pyyntö lähetetty', request_withdraw: 'pyyntö peruttu', request_acknowledge: 'vastaus kuitattu', statement: 'lausunto annettu', decision: 'päätös kirjattu', concern: 'ilmoitus lähetetty', concern_feedback: 'palaute annettu', meeting: 'neuvottelu kutsuttu', meeting_attendance: 'läsnäolo kirjattu', meeting_decision: 'päätös kirjattu', meeting_cancel: 'neuvottelu peruttu', transition: 'nivelvaihe kirjattu', document: 'asiakirja' } as Record<string, string>,
  page: (n: number, of: number) => `Sivu ${n}/${of}`,
};

type Labels = typeof FI;

const SV: Labels = {
  ...FI,
  kinds: { request: 'Begäran om tilläggsutredning', statement: 'Utlåtande', decision: 'Beslut', concern: 'Anmälan om behov av socialvård', meeting: 'Nätverksmöte', transition: 'Övergångsskede' },
  plan: 'Gemensam klientplan',
  minutes: 'Promemoria',
  caseLabel: 'Ärende',
  exported: 'Exporterad',
  authors: 'Upprättad av',
  members: 'Arbetsytans medlemmar vid exporten',
  date: 'Datum',
  to: 'Mottagare',
  question: 'Vad begärs',
  reason: 'Varför',
  due: 'Svar senast',
  status: 'Status',
  attachments: 'Bilagor',
  answeredBy: 'Besvarad med utlåtande',
  content: 'Innehåll',
  reasons: 'Motivering',
  answers: 'Svarar på begäran',
  cites: 'Hur utlåtandet har beaktats',
  urgency: 'Brådskande',
  clientTold: 'Klienten informerad',
  feedback: 'Respons',
  startsAt: 'Tid',
  place: 'Plats',
  link: 'Länk',
  agenda: 'Föredragningslista',
  invited: 'Inbjudna',
  attended: 'Närvarande',
  decisions: 'Beslut',
  transition: 'Typ av övergångsskede',
  description: 'Beskrivning',
  actor: 'Ansvarig',
  actions: 'Överenskomna åtgärder',
  noActions: 'Inga överenskomna åtgärder.',
  empty: '(tom)',
  yes: 'ja',
  no: 'nej',
  verification: 'Signaturer kontrollerade vid exporten',
  verifiedSummary: (verified, total) => `signaturen för ${verified}/${total} händelser verifierad`,
  pendingSummary: (pending) => `${pending} egna händelser väntar ännu på servern`,
  verified: 'signatur verifierad',
  pending: 'egen, ännu inte på servern',
  document: 'Samredigerat dokument: varje ändring verifierades (signatur, medlemskap, ordning) innan den togs med',
  statuses: { sent: 'skickad', answered: 'besvarad', acknowledged: 'kvitterad', withdrawn: 'återkallad', closed: 'avslutad', planned: 'planerad', held: 'hållen', cancelled: 'inställd', in_progress: 'pågår', done: 'klar' },
  urgencies: { urgent: 'brådskande', not_urgent: 'inte brådskande' },
  transitions: { move: 'flytt', studies: 'studier', benefit_age_limit: 'förmånens åldersgräns', coming_of_age: 'myndighetsålder', employment: 'sysselsättning', other: 'annat' },
  steps: { request: 'begäran skickad', request_withdraw: 'begäran återkallad', request_acknowledge: 'svaret kvitterat', statement: 'utlåtande givet', decision: 'beslut antecknat', concern: 'anmälan skickad', concern_feedback: 'respons given', meeting: 'möte sammankallat', meeting_attendance: 'närvaro antecknad', meeting_decision: 'beslut antecknat', meeting_cancel: 'möte inställt', transition: 'övergångsskede antecknat', document: 'dokument' },
  page: (n, of) => `Sida ${n}/${of}`,
};

const EN: Labels = {
  ...FI,
  kinds: { request: 'Information request', statement: 'Statement', decision: 'Decision', concern: 'Notice of a need for social care', meeting: 'Network meeting', transition: 'Transition point' },
  plan: 'Joint client plan',
  minutes: 'Minutes',
  caseLabel: 'Case',
  exported: 'Exported',
  authors: 'Authors',
  members: 'Members of the workspace at export',
  date: 'Date',
  to: 'To',
  question: 'What is asked',
  reason: 'Why',
  due: 'Due',
  status: 'Status',
  attachments: 'Attachments',
  answeredBy: 'Answered by statement',
  content: 'Content',
  reasons: 'Reasons',
  answers: 'Answers request',
  cites: 'How the statement was considered',
  urgency: 'Urgency',
  clientTold: 'Client told',
  feedback: 'Feedback',
  startsAt: 'Time',
  place: 'Place',
  link: 'Link',
  agenda: 'Agenda',
  invited: 'Invited',
  attended: 'Attended',
  decisions: 'Decisions',
  transition: 'Kind of transition',
  description: 'Description',
  actor: 'Who acts',
  actions: 'Agreed actions',
  noActions: 'No agreed actions.',
  empty: '(empty)',
  yes: 'yes',
  no: 'no',
  verification: 'Signatures verified at export time',
  verifiedSummary: (verified, total) => `signature of ${verified}/${total} events verified`,
  pendingSummary: (pending) => `${pending} own events still waiting for the server`,
  verified: 'signature verified',
  pending: 'own, not yet on the server',
  document: 'Co-edited document: every change was verified (signature, membership, order) before it was taken in',
  statuses: { sent: 'sent', answered: 'answered', acknowledged: 'acknowledged', withdrawn: 'withdrawn', closed: 'closed', planned: 'planned', held: 'held', cancelled: 'cancelled', in_progress: 'in progress', done: 'done' },
  urgencies: { urgent: 'urgent', not_urgent: 'not urgent' },
  transitions: { move: 'move', studies: 'studies', benefit_age_limit: 'benefit age limit', coming_of_age: 'coming of age', employment: 'employment', other: 'other' },
  steps: { request: 'request sent', request_withdraw: 'request withdrawn', request_acknowledge: 'answer acknowledged', statement: 'statement given', decision: 'decision recorded', concern: 'notice sent', concern_feedback: 'feedback given', meeting: 'meeting called', meeting_attendance: 'attendance recorded', meeting_decision: 'decision recorded', meeting_cancel: 'meeting cancelled', transition: 'transition point recorded', document: 'document' },
  page: (n, of) => `Page ${n}/${of}`,
};

/** The labels of a language. */
export function labelsOf(lang: ExportLang): Labels {
  return lang === 'sv' ? SV : lang === 'en' ? EN : FI;
}

/** The name of a record's kind. */
export function kindLabel(lang: ExportLang, kind: CaseRecordView['kind']): string {
  return labelsOf(lang).kinds[kind];
}

/** A time in the case's time zone, as people of the language write it. */
export function formatTime(lang: ExportLang, ms: number): string {
  const locale = lang === 'fi' ? 'fi-FI' : lang === 'sv' ? 'sv-FI' : 'en-GB';
  return new Intl.DateTimeFormat(locale, { timeZone: 'Europe/Helsinki', dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

/** A calendar date `YYYY-MM-DD` as people of the language write it. */
export function formatDate(lang: ExportLang, date: string): string {
  const locale = lang === 'fi' ? 'fi-FI' : lang === 'sv' ? 'sv-FI' : 'en-GB';
  const ms = Date.parse(`${date}T12:00:00Z`);
  return Number.isNaN(ms) ? date : new Intl.DateTimeFormat(locale, { timeZone: 'UTC', dateStyle: 'medium' }).format(ms);
}
