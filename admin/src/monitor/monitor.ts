/**
 * One run of the organisation monitor (`npm run admin -- monitor`): read and verify the
 * whole transparency log (read-log.ts) against the head this monitor verified last time
 * (remembered-head.ts), judge every certificate that names the organisation
 * (findings.ts), and remember the new head — only when the log verified, so a rewritten
 * log is reported again on every run until someone looks.
 */
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import type { OrgState } from '../org-state';
import { monitorOrganisation } from './findings';
import type { MonitoredCertificate } from './findings';
import { readVerifiedLog } from './read-log';
import type { LogProblem, LogReader } from './read-log';
import { rememberedHead, rememberHead } from './remembered-head';

/** What one run needs. */
export interface MonitorOptions {
  readonly state: OrgState;
  readonly client: LogReader;
  /** the server's URL (noted next to the remembered head) */
  readonly server: string;
  /** the file the verified head is remembered in */
  readonly statePath: string;
  readonly now: number;
}

/** The head verified on the run before, if there was one. */
export interface PreviousHead {
  readonly treeSize: number;
  readonly timestamp: number;
  readonly checkedAt: number;
}

/** The outcome of one run. */
export type MonitorResult =
  | {
    readonly ok: true;
    readonly head: SignedTreeHead;
    readonly logKeyFingerprint: string;
    readonly certifiedUntil: number;
    readonly previous: PreviousHead | null;
    /** every certificate naming the organisation, in log order */
    readonly certificates: readonly MonitoredCertificate[];
    readonly findings: number;
  }
  | { readonly ok: false; readonly code: LogProblem; readonly detail: string; readonly previous: PreviousHead | null };

/** Verify the log, judge the organisation's certificates in it, remember the head. */
export async function monitorLog(opts: MonitorOptions): Promise<MonitorResult> {
  const remembered = await rememberedHead(opts.statePath);
  const previous = remembered === undefined ? null : { treeSize: remembered.head.treeSize, timestamp: remembered.head.timestamp, checkedAt: remembered.checkedAt };
  const log = await readVerifiedLog(opts.client, opts.state.rootKey, opts.now, remembered?.head);
  if (!log.ok) return { ok: false, code: log.code, detail: log.detail, previous };
  const certificates = monitorOrganisation(opts.state, log.entries);
  await rememberHead(opts.statePath, { head: log.head, server: opts.server, checkedAt: opts.now });
  return {
    ok: true, head: log.head, logKeyFingerprint: log.logKeyFingerprint, certifiedUntil: log.certifiedUntil, previous, certificates,
    findings: certificates.filter((c) => c.finding !== undefined).length,
  };
}
