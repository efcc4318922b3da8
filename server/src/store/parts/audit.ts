/**
 * The audit part of the storage port: one global hash chain of who did what, when
 * (see audit-chain.ts for the hash).
 */
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { Fail, Ok } from './results';

/** Input of {@link AuditStore.appendAudit}. */
export interface NewAuditEntry {
  readonly at: number;
  /** the acting device, or null for the server or an admin */
  readonly actor: DeviceRef | null;
  /** e.g. `join`, `fetch`, `membership`, `key_distribution`, `export` */
  readonly action: string;
  readonly workspaceId?: string;
  readonly detail: Readonly<Record<string, string>>;
}

/**
 * An audit entry. The log is one global chain:
 * `hash = SHA-256(prevHash ‖ canonicalJson(entry without hashes))` (see audit-chain.ts).
 */
export interface AuditEntry extends NewAuditEntry {
  /** 1, 2, 3 … without holes */
  readonly seq: number;
  /** hex; 64 zeros for seq 1 */
  readonly prevHash: string;
  /** hex */
  readonly hash: string;
}

/** Filter of {@link AuditStore.queryAudit}; all given conditions must hold. */
export interface AuditQuery {
  readonly workspaceId?: string;
  readonly actor?: DeviceRef;
  /** inclusive */
  readonly fromAt?: number;
  /** exclusive */
  readonly toAt?: number;
  readonly afterSeq?: number;
  readonly limit: number;
}

/** Result of {@link AuditStore.verifyAuditChain}. */
export type AuditVerification = Ok<{ entries: number }> | Fail<'broken', { seq: number }>;

/** The audit log. Every method is safe to call concurrently. */
export interface AuditStore {
  /** Append an entry to the global chain; returns it with its seq and hashes. */
  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Entries matching the query, by seq. */
  queryAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /** Recompute the whole chain; the first entry whose hash or link is wrong is reported. */
  verifyAuditChain(): Promise<AuditVerification>;
}
