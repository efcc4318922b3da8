/**
 * What the CLI prints: a few readable lines per result by default, or one JSON value with
 * `--json`. Nothing here ever receives a private key; the only secret printed is an
 * issued code, once, by `issue-code`.
 */
import type { CertifyReport, IssuedCode, RevokeReport } from '../authority';
import { AdminError, errorMessage, ServerRefusedError } from '../errors';
import type { LogCertification } from '../log-certification';
import type { MonitoredCertificate } from '../monitor/findings';
import type { MonitorResult } from '../monitor/monitor';
import type { AuditVerificationResponse, ListOrgsResponse } from '@yhteispoyta/crypto/protocol';

const date = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Pads the columns of `rows` to a table. */
function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length))).join('  ')).join('\n');
}

export function issuedCodeText(issued: IssuedCode, orgKeyFile: string): string {
  return [
    `Enrolment code for ${issued.displayName} (${issued.role}), user ${issued.userId}, valid until ${date(issued.expiresAt)}:`,
    '',
    `  ${issued.code}`,
    '',
    'Give it to that person only, over a channel the server operator does not control. It is not shown again.',
    `When the person has enrolled, certify the device: npm run admin -- certify --org-key ${orgKeyFile}`,
  ].join('\n');
}

/** The lines of a certify report; nothing for an empty one when `quiet` (the watch loop's idle ticks). */
export function certifyText(report: CertifyReport, quiet = false): string {
  const lines: string[] = [];
  for (const c of report.certified) {
    lines.push(`certified  ${c.userId} device ${c.deviceId}  ${c.displayName} (${c.role})  serial ${c.serial}, valid until ${date(c.notAfter)}`);
  }
  for (const r of report.refused) {
    const advice = r.reason === 'bad_proof'
      ? 'NOT certified: the keys shown are not the ones the code holder registered. Issue a new code and tell the person.'
      : 'NOT certified.';
    lines.push(`REFUSED    ${r.userId} device ${r.deviceId}  code ${r.codeId}: ${r.detail}. ${advice}`);
  }
  for (const f of report.failed) lines.push(`failed     ${f.userId} device ${f.deviceId}  code ${f.codeId}: ${f.detail} (tried again next time)`);
  if (lines.length === 0 && !quiet) lines.push('No enrolment of your codes is waiting.');
  return lines.join('\n');
}

export function revokeText(report: RevokeReport): string {
  const lines: string[] = [];
  if (report.revokedSerials.length > 0) lines.push(`Revoked ${report.userId}: user certificate serial ${report.revokedSerials.join(', ')} (signed revocations stored on the server).`);
  if (report.alreadyRevoked.length > 0) lines.push(`Already revoked before: serial ${report.alreadyRevoked.join(', ')}.`);
  if (report.withdrawnCodes.length > 0) lines.push(`Withdrew unused code ${report.withdrawnCodes.join(', ')}: it will not be certified.`);
  if (lines.length === 0) lines.push(`${report.userId} had nothing left to revoke.`);
  return lines.join('\n');
}

export function orgsText(list: ListOrgsResponse): string {
  if (list.orgs.length === 0) return 'The server knows no organisation yet.';
  const rows = list.orgs.map((org) => {
    const body = org.certificate.body;
    return [org.orgId, org.name, body.t === 'org' ? date(body.notAfter) : '(not an organisation certificate)'];
  });
  return `${table([['ORG ID', 'NAME', 'CERTIFICATE VALID UNTIL'], ...rows])}\n(as the server lists them; agents verify each certificate against the root)`;
}

export function auditText(verified: AuditVerificationResponse): string {
  if (verified.intact) return `The audit log is intact: ${verified.entries} entries, each linked by its hash to the one before.`;
  return [
    `The audit log does NOT check out at entry ${verified.brokenAtSeq}: that entry, or its link to the one before, was changed.`,
    'The entries before it check out. Keep a copy of the database before anything else touches it.',
  ].join('\n');
}

/** The lines saying a log key is certified (just now, or from before). */
export function logCertificationText(log: Required<LogCertification>, server: string, now: boolean): string {
  return [
    `${now ? 'Certified' : 'Already certified'}: the transparency log key of ${server}, fingerprint ${log.fingerprint}, until ${date(log.notAfter)}.`,
    ...(now ? ['Compare the fingerprint with the one the server logged at start-up ("transparency log ready").'] : []),
  ].join('\n');
}

function subject(c: MonitoredCertificate): string {
  if (c.type === 'org') return '';
  const who = c.userId ?? '';
  if (c.type === 'device' || c.type === 'device_revocation') return `${who} device ${c.deviceId ?? '?'}`;
  return `${who} serial ${c.serial ?? '?'}${c.displayName === undefined ? '' : `  ${c.displayName} (${c.role ?? '?'})`}`;
}

/** What a monitor run found, for people. */
export function monitorText(result: MonitorResult, server: string, org: { orgId: string; name: string }, statePath: string): string {
  const previous = result.previous === null
    ? `First check of this log: its head is remembered in ${statePath}.`
    : `It holds the ${result.previous.treeSize} entries of the head checked before (signed ${date(result.previous.timestamp)}).`;
  if (!result.ok) {
    return [
      `The transparency log of ${server} does NOT verify (${result.code}): ${result.detail}.`,
      ...(result.previous === null ? [] : [`The head checked before (${result.previous.treeSize} entries, signed ${date(result.previous.timestamp)}) stays remembered.`]),
      'Nothing in it can be relied on. Keep this output; the server operator has some explaining to do.',
    ].join('\n');
  }
  const rows = result.certificates.map((c) => [String(c.index), c.type, c.type === 'org' ? org.orgId : subject(c), c.finding === undefined ? 'ok' : `FINDING ${c.finding.code}: ${c.finding.detail}`]);
  return [
    `The transparency log of ${server} verifies: ${result.head.treeSize} entries, head signed ${date(result.head.timestamp)}, log key ${result.logKeyFingerprint} (certified by the root until ${date(result.certifiedUntil)}).`,
    previous,
    `Certificates naming ${org.name} (${org.orgId}):`,
    table([['INDEX', 'TYPE', 'SUBJECT', 'STATUS'], ...rows]),
    result.findings === 0
      ? 'No finding: the organisation issued every one of them.'
      : `${result.findings} ${result.findings === 1 ? 'finding' : 'findings'}: certificates the organisation did not issue are in the log, and agents may believe them. Revoke what you can and find out who holds the keys.`,
  ].join('\n');
}

/** One line saying what went wrong, with a hint where the cause is usually elsewhere. */
export function errorText(error: unknown): string {
  if (error instanceof ServerRefusedError) {
    const hint =
      error.status === 401 ? ' (the admin token was refused)'
      : error.status === 404 && error.protocolCode === 'not_found' ? ' (is the admin API enabled with ADMIN_TOKEN on the server, and is this the right server?)'
      : '';
    const id = error.occurrenceId === undefined ? '' : ` [server log id ${error.occurrenceId}]`;
    return `refused by the server (${error.protocolCode}): ${error.message}${hint}${id}`;
  }
  if (error instanceof AdminError) return error.message;
  return `unexpected error: ${errorMessage(error)}`;
}

/** The JSON form of an error for `--json`. */
export function errorJson(error: unknown): { ok: false; error: { code: string; message: string; status?: number } } {
  if (error instanceof ServerRefusedError) return { ok: false, error: { code: error.protocolCode, message: error.message, status: error.status } };
  if (error instanceof AdminError) return { ok: false, error: { code: error.code, message: error.message } };
  return { ok: false, error: { code: 'unexpected', message: errorMessage(error) } };
}
