/**
 * "Tietojeni käsittely" (issue 13) for one device: the consent history and bases of access
 * from its own verified chain, and the server's audit log of the workspace, checked
 * (processing/audit-check.ts) before it is shown; a failed check is part of the answer and
 * a problem, never dropped. Who did what is named from certificates (professionals) and
 * key messages (clients), never from the server's word.
 */
import type { Logger } from 'pino';
import type { AuditEntry } from '@yhteispoyta/crypto/protocol';
import type { ProcessingEntry, ProcessingView } from '@yhteispoyta/local-api/processing';
import type { ProblemSink, RestClient } from '../contracts';
import { RestError } from '../contracts';
import type { CertificateBook } from '../identity/certificate-book';
import type { ClientNames } from '../identity/client-names';
import type { WorkspaceTexts } from '../identity/workspace-texts';
import type { ChainStore } from '../keys/chain-store';
import { MembershipError } from '../keys/membership-error';
import type { MembershipSync } from '../keys/membership-sync';
import { AuditPins } from './audit-check';
import { accessBases, consentHistory } from './consent-history';

/** One query page (the server's most). */
const PAGE = 1000;
/** Most entries one view holds: the newest are kept. */
const MAX_ENTRIES = 5000;

/** What the service reads. */
export interface ProcessingDeps {
  readonly rest: RestClient;
  readonly sync: MembershipSync;
  readonly chains: ChainStore;
  readonly book: CertificateBook;
  readonly names: ClientNames;
  readonly texts: WorkspaceTexts;
  readonly problems: ProblemSink;
  readonly log: Logger;
  readonly now?: () => number;
}

/** What the local API reads. */
export interface ProcessingReader {
  view(workspaceId: string): Promise<ProcessingView>;
}

/** The processing view of the workspaces this device holds. */
export class ProcessingService implements ProcessingReader {
  readonly #deps: ProcessingDeps;
  readonly #pins = new AuditPins();
  readonly #log: Logger;

  constructor(deps: ProcessingDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ module: 'processing' });
  }

  /** The view of `workspaceId`; the log part is left empty (integrity absent) when the server is unreachable. */
  async view(workspaceId: string): Promise<ProcessingView> {
    const { sync, chains, texts, problems } = this.#deps;
    const state = sync.state(workspaceId);
    if (state === undefined) throw new MembershipError('unknown_workspace', 'this device does not hold that workspace');
    const events = chains.events(workspaceId).map((s) => s.event);
    const now = (this.#deps.now ?? Date.now)();
    const describe = (userId: string) => this.#describe(userId);
    const base = {
      workspaceId,
      consentHistory: consentHistory(events, (c) => texts.purposeFor(workspaceId, c), now, (userId) => describe(userId).displayName),
      bases: accessBases(state, events, describe, (c) => texts.basisFor(workspaceId, c)),
    };
    let fetched: { entries: AuditEntry[]; truncated: boolean };
    try {
      fetched = await this.#fetchLog(workspaceId);
    } catch (error) {
      if (error instanceof RestError && error.code === 'offline') return { ...base, log: [], truncated: false };
      throw error;
    }
    const integrity = this.#pins.check(workspaceId, fetched.entries);
    if (!integrity.ok) {
      this.#log.warn({ workspaceId, seq: integrity.seq, reason: integrity.reason }, 'the audit log of a workspace failed its check');
      problems.report({
        code: 'audit_broken',
        workspaceId,
        message: `The processing log of this workspace did not pass its check at entry ${integrity.seq} (${integrity.reason}): it may have been changed.`,
      });
    }
    return { ...base, log: fetched.entries.map((e) => this.#entry(e)), integrity, truncated: fetched.truncated };
  }

  async #fetchLog(workspaceId: string): Promise<{ entries: AuditEntry[]; truncated: boolean }> {
    const bySeq = new Map<number, AuditEntry>();
    let from = 0;
    for (;;) {
      const { entries } = await this.#deps.rest.call('queryAudit', { params: { workspaceId }, query: { from, limit: PAGE } });
      for (const e of entries) bySeq.set(e.seq, e);
      const last = entries.at(-1);
      // A full page may end inside a millisecond: the next page starts at that time again (seqs dedupe).
      if (entries.length < PAGE || last === undefined || last.at < from || bySeq.size >= MAX_ENTRIES * 2) break;
      from = last.at === from ? from + 1 : last.at;
    }
    const all = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    return { entries: all.slice(-MAX_ENTRIES), truncated: all.length > MAX_ENTRIES };
  }

  #entry(e: AuditEntry): ProcessingEntry {
    const who = e.actor === null ? {} : this.#describe(e.actor.userId);
    return {
      seq: e.seq,
      at: e.at,
      actor: e.actor,
      ...(who.displayName === undefined ? {} : { actorName: who.displayName }),
      ...(who.orgName === undefined ? {} : { actorOrg: who.orgName }),
      action: e.action,
      detail: { ...e.detail },
    };
  }

  #describe(userId: string): { displayName?: string; orgName?: string } {
    const person = this.#deps.book.person(userId);
    if (person?.kind === 'professional') return { displayName: person.displayName, orgName: person.orgName };
    const name = this.#deps.names.nameOf(userId);
    return name === undefined ? {} : { displayName: name };
  }
}
