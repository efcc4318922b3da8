/**
 * Epoch keys on the profile: the ones this device accepted, the ones it received for
 * epochs its verified chain has not reached yet, and the ones it owes other devices.
 */
import { bytesEqual, toBytes } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { ProfileDb } from '../profile/profile-db';

/** A key received before the chain reached its epoch. */
export interface PendingKey {
  readonly workspaceId: string;
  readonly epoch: number;
  readonly sender: DeviceRef;
  readonly key: Bytes;
}

/** A key this device owes another device. */
export interface Grant {
  readonly workspaceId: string;
  readonly epoch: number;
  readonly device: DeviceRef;
}

/** Parse a stored `userId.deviceId`; the userId never contains a dot (userIdSchema). */
function parseDeviceKey(text: string): DeviceRef {
  const dot = text.lastIndexOf('.');
  return { userId: text.slice(0, dot), deviceId: Number(text.slice(dot + 1)) };
}

/** Result of {@link EpochKeyStore.accept}. */
export type AcceptOutcome = 'stored' | 'same' | 'conflict';

/** Epoch keys, pending keys and owed grants of one profile. */
export class EpochKeyStore {
  readonly #profile: ProfileDb;
  /**
   * Accepted keys already read, by workspace and epoch, and each workspace's newest: every
   * envelope sealed or opened asks for one (a query each was 2–3 % of a busy agent's CPU).
   * Accepted keys are never changed or deleted, so a key read stays right; only a key
   * accepted inside a transaction that then rolled back may not be stored, so the whole
   * cache is dropped on any rollback, and the newest of a workspace on every accept.
   * The same key object is handed out each time: callers only read it.
   */
  readonly #keys = new Map<string, Map<number, Bytes>>();
  readonly #newest = new Map<string, { readonly epoch: number; readonly key: Bytes }>();

  /** The store on an open profile whose `keys` migrations ran. */
  constructor(profile: ProfileDb) {
    this.#profile = profile;
    profile.onRollback(() => {
      this.#keys.clear();
      this.#newest.clear();
    });
  }

  /** The key of an epoch, if held. */
  get(workspaceId: string, epoch: number): Bytes | undefined {
    const known = this.#keys.get(workspaceId)?.get(epoch);
    if (known !== undefined) return known;
    const stored = this.#profile.db
      .prepare('SELECT key FROM keys_epoch_keys WHERE workspace_id = ? AND epoch = ?', { pluck: true })
      .get([workspaceId, epoch]);
    if (!(stored instanceof Uint8Array)) return undefined;
    return this.#remember(workspaceId, epoch, toBytes(stored));
  }

  /** The newest epoch held for a workspace. */
  newest(workspaceId: string): { epoch: number; key: Bytes } | undefined {
    const known = this.#newest.get(workspaceId);
    if (known !== undefined) return { epoch: known.epoch, key: known.key };
    const row = this.#profile.db
      .prepare('SELECT epoch, key FROM keys_epoch_keys WHERE workspace_id = ? ORDER BY epoch DESC LIMIT 1')
      .get([workspaceId]);
    if (row === undefined || !(row.key instanceof Uint8Array)) return undefined;
    const epoch = Number(row.epoch);
    const key = this.#remember(workspaceId, epoch, toBytes(row.key));
    this.#newest.set(workspaceId, { epoch, key });
    return { epoch, key };
  }

  #remember(workspaceId: string, epoch: number, key: Bytes): Bytes {
    let keys = this.#keys.get(workspaceId);
    if (keys === undefined) {
      keys = new Map();
      this.#keys.set(workspaceId, keys);
    }
    const known = keys.get(epoch);
    if (known !== undefined) return known;
    keys.set(epoch, key);
    return key;
  }

  /**
   * Keep `key` as the key of `epoch` unless one is held already: the first accepted key
   * stays, a different one is a `conflict` for the caller to report.
   */
  accept(workspaceId: string, epoch: number, key: Bytes, source: DeviceRef | 'self'): AcceptOutcome {
    return this.#profile.transaction(() => {
      const held = this.get(workspaceId, epoch);
      if (held !== undefined) return bytesEqual(held, key) ? 'same' : 'conflict';
      this.#profile.db
        .prepare('INSERT INTO keys_epoch_keys (workspace_id, epoch, key, source, accepted_at) VALUES (?, ?, ?, ?, ?)')
        .run([workspaceId, epoch, key, source === 'self' ? 'self' : deviceKey(source), Date.now()]);
      this.#newest.delete(workspaceId);
      return 'stored';
    });
  }

  /** Keep a key for an epoch the chain has not reached (one per sender and epoch). */
  addPending(pending: PendingKey): void {
    this.#profile.db
      .prepare(
        `INSERT INTO keys_pending_epoch_keys (workspace_id, epoch, sender, key, received_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET key = excluded.key, received_at = excluded.received_at`,
      )
      .run([pending.workspaceId, pending.epoch, deviceKey(pending.sender), pending.key, Date.now()]);
  }

  /** Pending keys of a workspace, oldest epoch first. */
  pending(workspaceId: string): PendingKey[] {
    return this.#profile.db
      .prepare('SELECT epoch, sender, key FROM keys_pending_epoch_keys WHERE workspace_id = ? ORDER BY epoch, received_at')
      .all([workspaceId])
      .flatMap((row) =>
        row.key instanceof Uint8Array
          ? [{ workspaceId, epoch: Number(row.epoch), sender: parseDeviceKey(String(row.sender)), key: toBytes(row.key) }]
          : [],
      );
  }

  /** Forget a pending key once it was accepted or refused. */
  dropPending(pending: PendingKey): void {
    this.#profile.db
      .prepare('DELETE FROM keys_pending_epoch_keys WHERE workspace_id = ? AND epoch = ? AND sender = ?')
      .run([pending.workspaceId, pending.epoch, deviceKey(pending.sender)]);
  }

  /** Record keys owed (idempotent: a grant already sent stays sent). */
  /** Owe these keys again even if they were sent (a message that carries news beside the key, such as a client's name). */
  oweAgain(grants: readonly Grant[]): void {
    const upsert = this.#profile.db.prepare(
      `INSERT INTO keys_grants (workspace_id, epoch, device, state, updated_at) VALUES (?, ?, ?, 'pending', ?)
       ON CONFLICT DO UPDATE SET state = 'pending', updated_at = excluded.updated_at`,
    );
    this.#profile.transaction(() => {
      for (const g of grants) upsert.run([g.workspaceId, g.epoch, deviceKey(g.device), Date.now()]);
    });
  }

  owe(grants: readonly Grant[]): void {
    const insert = this.#profile.db.prepare(
      `INSERT INTO keys_grants (workspace_id, epoch, device, state, updated_at) VALUES (?, ?, ?, 'pending', ?)
       ON CONFLICT DO NOTHING`,
    );
    this.#profile.transaction(() => {
      for (const g of grants) insert.run([g.workspaceId, g.epoch, deviceKey(g.device), Date.now()]);
    });
  }

  /** Grants still to deliver, optionally of one workspace or to one device. */
  owed(filter: { workspaceId?: string; device?: DeviceRef } = {}): Grant[] {
    return this.#profile.db
      .prepare("SELECT workspace_id, epoch, device FROM keys_grants WHERE state = 'pending' ORDER BY workspace_id, epoch, device")
      .all()
      .map((row) => ({ workspaceId: String(row.workspace_id), epoch: Number(row.epoch), device: parseDeviceKey(String(row.device)) }))
      .filter((g) => filter.workspaceId === undefined || g.workspaceId === filter.workspaceId)
      .filter((g) => filter.device === undefined || deviceKey(g.device) === deviceKey(filter.device));
  }

  /** Mark grants delivered. */
  delivered(grants: readonly Grant[]): void {
    const update = this.#profile.db.prepare(
      "UPDATE keys_grants SET state = 'sent', updated_at = ? WHERE workspace_id = ? AND epoch = ? AND device = ?",
    );
    this.#profile.transaction(() => {
      for (const g of grants) update.run([Date.now(), g.workspaceId, g.epoch, deviceKey(g.device)]);
    });
  }

  /** Drop owed grants that must no longer be delivered (the device left the workspace). */
  cancel(grants: readonly Grant[]): void {
    const remove = this.#profile.db.prepare("DELETE FROM keys_grants WHERE workspace_id = ? AND epoch = ? AND device = ? AND state = 'pending'");
    this.#profile.transaction(() => {
      for (const g of grants) remove.run([g.workspaceId, g.epoch, deviceKey(g.device)]);
    });
  }
}
