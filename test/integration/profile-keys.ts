/**
 * What a device holds, read from its profile after its agent stopped: the profile is
 * opened with its passphrase (client/agent/src/profile `openProfile`, as the agent opens
 * it) and every epoch key is read — the accepted ones, the pending ones, and, to leave
 * nothing out, every 32-byte value stored anywhere in the profile.
 */
import { z } from 'zod';
import { toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { openProfile } from '@yhteispoyta/agent/profile/profile-db';

/** An epoch key found in a profile. */
export interface HeldEpochKey {
  readonly workspaceId: string;
  readonly epoch: number;
  readonly key: Bytes;
  /** `keys_epoch_keys` (accepted) or `keys_pending_epoch_keys` (received before the chain reached the epoch) */
  readonly table: 'keys_epoch_keys' | 'keys_pending_epoch_keys';
}

/** The keys of a stopped agent's profile. */
export interface HeldKeys {
  readonly epochKeys: readonly HeldEpochKey[];
  /** every 32-byte blob in every table of the profile (epoch keys among them) */
  readonly every32ByteValue: readonly Bytes[];
}

const keyRow = z.object({ workspace_id: z.string(), epoch: z.number(), key: z.instanceof(Uint8Array) });
const tableName = z.string().regex(/^[a-z_][a-z0-9_]*$/);

/** Open a profile (its agent must be stopped: the profile is locked while open) and read its keys. */
export async function readHeldKeys(profilesDir: string, profile: string, passphrase: string): Promise<HeldKeys> {
  const opened = await openProfile(profilesDir, profile, passphrase);
  if (!opened.ok) throw new Error(`profile ${profile} did not open: ${opened.error} (${opened.detail})`);
  const { db } = opened.profile;
  try {
    const epochKeys: HeldEpochKey[] = [];
    for (const table of ['keys_epoch_keys', 'keys_pending_epoch_keys'] as const) {
      for (const row of db.prepare(`SELECT workspace_id, epoch, key FROM ${table}`).all()) {
        const parsed = keyRow.parse(row);
        epochKeys.push({ workspaceId: parsed.workspace_id, epoch: parsed.epoch, key: toBytes(parsed.key), table });
      }
    }
    const every32ByteValue: Bytes[] = [];
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'", { pluck: true }).all();
    for (const name of tables.map((t) => tableName.parse(t))) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all()) {
        for (const value of Object.values(row)) {
          if (value instanceof Uint8Array && value.byteLength === 32) every32ByteValue.push(toBytes(value));
        }
      }
    }
    return { epochKeys, every32ByteValue };
  } finally {
    opened.profile.close();
  }
}
