/**
 * The storage port: everything the server persists, as one object of parts (directory,
 * auth, certificates with their transparency log, enrolments, workspaces, mailbox,
 * envelopes, blobs, audit), each an async interface of its own in `parts/`. Two adapters (`sqlite/` embedded default,
 * `mongo/` for scale-out) build every part and pass one contract suite (`contract.ts`).
 * Services take only the parts they use (context.ts `Needs`).
 *
 * The server is a blind relay: it stores opaque ciphertext plus the metadata it needs to
 * enforce its rules (single use, clocks, the snapshot chain, membership linearity).
 * Outcomes a caller must handle (a conflict, an expired code, a size limit) are typed
 * results; exceptions mean the store itself failed (I/O, a corrupt row, a closed store).
 *
 * Inputs are expected to be already parsed by the caller (zod at the network edge); the
 * store still enforces every rule named here itself, atomically, also across processes
 * sharing one database.
 *
 * Times are ms since epoch (server clock) and are always passed in, never read inside the
 * store, so expiry rules can be tested.
 */
import type { AuditStore } from './parts/audit';
import type { AuthStore } from './parts/auth';
import type { BlobStore } from './parts/blobs';
import type { CertificateStore } from './parts/certificates';
import type { DirectoryStore } from './parts/directory';
import type { EnrolmentStore } from './parts/enrolments';
import type { EnvelopeStore } from './parts/envelopes';
import type { MailboxStore } from './parts/mailbox';
import type { Fail, Ok } from './parts/results';
import type { WorkspaceStore } from './parts/workspaces';

export type * from './parts/audit';
export type * from './parts/auth';
export type * from './parts/blobs';
export type * from './parts/certificates';
export type * from './parts/directory';
export type * from './parts/enrolments';
export type * from './parts/envelopes';
export type * from './parts/log';
export type * from './parts/mailbox';
export type * from './parts/results';
export type * from './parts/workspaces';
export { CODE_KINDS } from './parts/auth';
export { BLOB_CHUNK_BYTES } from './parts/blobs';
export { ZERO_HASH_HEX } from './parts/workspaces';

/** Which adapter a store is. */
export type StoreKind = 'sqlite' | 'mongo';

/** Health probe result. */
export type StoreHealth = Ok<{ kind: StoreKind }> | Fail<'unavailable', { kind: StoreKind; error: string }>;

/** The parts of a store, by name. */
export interface StoreParts {
  readonly directory: DirectoryStore;
  readonly auth: AuthStore;
  readonly certificates: CertificateStore;
  readonly enrolments: EnrolmentStore;
  readonly workspaces: WorkspaceStore;
  readonly mailbox: MailboxStore;
  readonly envelopes: EnvelopeStore;
  readonly blobs: BlobStore;
  readonly audit: AuditStore;
}

/** The name of one part of a store. */
export type StorePart = keyof StoreParts;

/** Everything the server persists. Every method of every part is safe to call concurrently. */
export interface Store extends StoreParts {
  readonly kind: StoreKind;
  /** Cheap liveness probe (never throws). */
  health(): Promise<StoreHealth>;
  /** Release the database; idempotent. Nothing may be called afterwards. */
  close(): Promise<void>;
}
