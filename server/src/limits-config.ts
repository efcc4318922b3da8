/**
 * The abuse limits of one deployment (issue 15): quotas on what a user or a workspace may
 * keep on the server, how long an uploaded blob may stay unreferenced, and how fast
 * one-time prekeys may be claimed. Read from the environment with the rest of the
 * configuration (config.ts) and validated at start-up; every value has a default.
 */
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();
const MIB = 1024 * 1024;

/** The environment variables of the limits, with their defaults. */
export const limitsEnvShape = {
  /** blob bytes one user may keep (every workspace together) */
  QUOTA_BLOB_BYTES_PER_USER: positiveInt.default(1024 * MIB),
  /** blobs one user may keep */
  QUOTA_BLOBS_PER_USER: positiveInt.default(2000),
  /** blob bytes one workspace may hold */
  QUOTA_BLOB_BYTES_PER_WORKSPACE: positiveInt.default(2048 * MIB),
  /** blobs one workspace may hold */
  QUOTA_BLOBS_PER_WORKSPACE: positiveInt.default(5000),
  /** workspaces a user may be a member of when he creates another */
  QUOTA_WORKSPACES_PER_USER: positiveInt.default(500),
  /** items waiting in one device's mailbox; a send that would pass it is refused */
  QUOTA_MAILBOX_ITEMS_PER_DEVICE: positiveInt.default(5000),
  /** an uploaded blob no sent message or record has referenced after this long is removed */
  BLOB_UNREFERENCED_TTL_SECONDS: positiveInt.default(24 * 3600),
  /** bundles of one device that may be claimed per hour (a drain bound) */
  PREKEY_CLAIMS_PER_TARGET_PER_HOUR: positiveInt.default(40),
  /** bundles one device may claim per hour */
  PREKEY_CLAIMS_PER_CLAIMANT_PER_HOUR: positiveInt.default(400),
} as const;

/** The parsed environment values of the limits. */
type LimitsEnv = { readonly [K in keyof typeof limitsEnvShape]: z.output<(typeof limitsEnvShape)[K]> };

/** The validated limits. */
export interface LimitsConfig {
  readonly quotas: {
    readonly blobBytesPerUser: number;
    readonly blobsPerUser: number;
    readonly blobBytesPerWorkspace: number;
    readonly blobsPerWorkspace: number;
    readonly workspacesPerUser: number;
    readonly mailboxItemsPerDevice: number;
  };
  readonly blobUnreferencedTtlSeconds: number;
  readonly prekeyClaims: { readonly perTargetPerHour: number; readonly perClaimantPerHour: number };
}

/** The limits of already-validated environment values. */
export function limitsOf(e: LimitsEnv): LimitsConfig {
  return {
    quotas: {
      blobBytesPerUser: e.QUOTA_BLOB_BYTES_PER_USER,
      blobsPerUser: e.QUOTA_BLOBS_PER_USER,
      blobBytesPerWorkspace: e.QUOTA_BLOB_BYTES_PER_WORKSPACE,
      blobsPerWorkspace: e.QUOTA_BLOBS_PER_WORKSPACE,
      workspacesPerUser: e.QUOTA_WORKSPACES_PER_USER,
      mailboxItemsPerDevice: e.QUOTA_MAILBOX_ITEMS_PER_DEVICE,
    },
    blobUnreferencedTtlSeconds: e.BLOB_UNREFERENCED_TTL_SECONDS,
    prekeyClaims: { perTargetPerHour: e.PREKEY_CLAIMS_PER_TARGET_PER_HOUR, perClaimantPerHour: e.PREKEY_CLAIMS_PER_CLAIMANT_PER_HOUR },
  };
}
