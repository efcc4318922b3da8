/**
 * Reads the server's audit log straight from its store (not through the API, which would
 * itself add entries): what was appended since the last look.
 */
import type { AuditEntry, Store } from '@yhteispoyta/server/store/port';

const PAGE = 500;

/** A cursor over the audit log: each call returns the entries appended since the previous call. */
export class AuditProbe {
  #afterSeq = 0;

  constructor(private readonly store: Store) {}

  /** Entries appended since the last call (the first call returns the whole log). */
  async newEntries(): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    for (;;) {
      const page = await this.store.audit.queryAudit({ afterSeq: this.#afterSeq, limit: PAGE });
      out.push(...page);
      const last = page[page.length - 1];
      if (last !== undefined) this.#afterSeq = last.seq;
      if (page.length < PAGE) return out;
    }
  }

  /** Forget what came before now. */
  async skip(): Promise<void> {
    await this.newEntries();
  }
}

/** A compact view of a denial entry for assertions and reports. */
export function denialView(entry: AuditEntry): { actor: string | null; workspaceId: string | null; route: string | null; event: string | null; error: string | null } {
  return {
    actor: entry.actor === null ? null : `${entry.actor.userId}.${entry.actor.deviceId}`,
    workspaceId: entry.workspaceId ?? null,
    route: entry.detail.route ?? null,
    event: entry.detail.event ?? null,
    error: entry.detail.error ?? null,
  };
}
