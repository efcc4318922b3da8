/**
 * Keeps this device reachable: one-time prekeys are topped up on the server before they
 * run out (each new contact consumes one of each kind), and the signed prekey is replaced
 * on a schedule, the previous one being kept for a grace period because first messages
 * built on it may still be on their way.
 */
import type { Logger } from 'pino';
import { pino } from 'pino';
import { z } from 'zod';
import type { DeviceIdentity } from '@yhteispoyta/crypto/identity';
import { generateOneTimePrekeys, generateSignedPreKey } from '@yhteispoyta/crypto/prekeys';
import type { SerialQueue } from '@yhteispoyta/common/queue';
import type { RestClient } from '../contracts';
import type { ProfileDb } from '../profile/profile-db';
import type { SqlSignalStores } from '../profile/signal-stores';

/** One-time prekeys of each kind the server should hold after a top-up. */
export const PREKEY_TARGET = 100;
/** A top-up happens when the server holds fewer than this of either kind. */
export const PREKEY_LOW_WATER = 25;
/** Default interval between signed-prekey rotations: 7 days. */
const DEFAULT_SIGNED_PREKEY_ROTATION_MS = 7 * 24 * 3600 * 1000;

const SCHEDULE_KEY = 'account.signed_prekeys';

/**
 * The signed prekeys by this agent's clock: the current one and when it was made, and
 * the replaced ones with when they were replaced (the start of their grace period).
 */
const scheduleSchema = z.strictObject({
  current: z.int().min(0),
  createdAt: z.int().min(0),
  replaced: z.array(z.strictObject({ id: z.int().min(0), replacedAt: z.int().min(0) })),
});
type Schedule = z.infer<typeof scheduleSchema>;

function readSchedule(profile: ProfileDb): Schedule | undefined {
  const text = profile.getSetting(SCHEDULE_KEY);
  if (text === undefined) return undefined;
  const parsed = scheduleSchema.safeParse(JSON.parse(text));
  // SQLCipher authenticates the profile: a record that does not parse is a bug.
  if (!parsed.success) throw new Error('signed prekey schedule does not parse');
  return parsed.data;
}

function writeSchedule(profile: ProfileDb, schedule: Schedule): void {
  profile.setSetting(SCHEDULE_KEY, JSON.stringify(schedule));
}

/** What maintenance works on: the device's keys, stores and REST client. */
export interface PrekeyMaintenanceDeps {
  readonly profile: ProfileDb;
  readonly stores: SqlSignalStores;
  readonly identity: DeviceIdentity;
  readonly rest: RestClient;
  /** the profile's libsignal queue: prekey changes never run beside a session operation */
  readonly queue: SerialQueue;
  readonly log?: Logger;
}

/** Options of {@link PrekeyMaintenance}. */
export interface PrekeyMaintenanceOptions {
  readonly signedPreKeyRotationMs?: number;
  /** how long a replaced signed prekey is kept; default twice the rotation interval */
  readonly graceMs?: number;
  readonly now?: () => number;
}

/** What one maintenance run did. */
export interface MaintenanceReport {
  /** one-time prekeys uploaded per kind (0 when none were needed) */
  readonly toppedUp: number;
  readonly rotated: boolean;
  /** replaced signed prekeys deleted after their grace period */
  readonly pruned: number;
}

/** Prekey top-ups and signed-prekey rotation for one device. */
export class PrekeyMaintenance {
  readonly #deps: PrekeyMaintenanceDeps;
  readonly #rotationMs: number;
  readonly #graceMs: number;
  readonly #now: () => number;
  readonly #log: Logger;
  #running: Promise<MaintenanceReport> | undefined;

  /** Maintenance for the device of `deps`. */
  constructor(deps: PrekeyMaintenanceDeps, opts: PrekeyMaintenanceOptions = {}) {
    this.#deps = deps;
    this.#rotationMs = opts.signedPreKeyRotationMs ?? DEFAULT_SIGNED_PREKEY_ROTATION_MS;
    this.#graceMs = opts.graceMs ?? 2 * this.#rotationMs;
    this.#now = opts.now ?? Date.now;
    this.#log = (deps.log ?? pino({ level: 'silent' })).child({ module: 'account/prekeys' });
  }

  /** Record the signed prekey made at enrolment: the rotation schedule starts from it. */
  static noteSignedPreKeyCreated(profile: ProfileDb, id: number, at: number): void {
    writeSchedule(profile, { current: id, createdAt: at, replaced: [] });
  }

  /**
   * Check the server's count and top up, rotate the signed prekey when due, prune old
   * ones. Calls made while a run is in progress share that run. Rejects with the
   * RestError of a failed request (nothing is lost: the next run tries again).
   */
  run(): Promise<MaintenanceReport> {
    this.#running ??= this.#runOnce().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #runOnce(): Promise<MaintenanceReport> {
    const toppedUp = await this.#topUp();
    const rotated = await this.#rotateIfDue();
    const pruned = await this.#deps.queue.run(() => this.#prune());
    return { toppedUp, rotated, pruned };
  }

  async #topUp(): Promise<number> {
    const { rest, stores, identity, queue } = this.#deps;
    const count = await rest.call('countPrekeys', {});
    const low = Math.min(count.ec, count.kyber);
    if (low >= PREKEY_LOW_WATER) return 0;
    const n = PREKEY_TARGET - low;
    // Installed before upload: a key the server hands out must already be ours to use.
    const batch = await queue.run(async () => {
      const ids = stores.nextPrekeyIds(n);
      const generated = generateOneTimePrekeys(identity, { firstPreKeyId: ids.preKeyId, firstKyberId: ids.kyberPreKeyId, count: n });
      stores.installPrekeys(generated.records);
      return generated;
    });
    await rest.call('topUpPrekeys', {
      body: { oneTimePreKeys: [...batch.upload.oneTimePreKeys], oneTimeKyberPreKeys: [...batch.upload.oneTimeKyberPreKeys] },
    });
    this.#log.info({ count: n }, 'one-time prekeys topped up');
    return n;
  }

  async #rotateIfDue(): Promise<boolean> {
    const { profile, rest, stores, identity, queue } = this.#deps;
    const schedule = readSchedule(profile);
    const now = this.#now();
    if (schedule !== undefined && now - schedule.createdAt < this.#rotationMs) return false;
    const signed = await queue.run(async () => {
      const generated = generateSignedPreKey(identity, stores.nextPrekeyIds(1).signedPreKeyId);
      stores.installPrekeys({ signedPreKey: generated.record });
      return generated;
    });
    await rest.call('replaceSignedPreKey', { body: { signedPreKey: signed.upload } });
    const replaced = schedule === undefined ? [] : [...schedule.replaced, { id: schedule.current, replacedAt: now }];
    writeSchedule(profile, { current: signed.upload.id, createdAt: now, replaced });
    this.#log.info({ id: signed.upload.id }, 'signed prekey rotated');
    return true;
  }

  /** Delete the signed prekeys replaced more than the grace period ago; the current one always stays. */
  #prune(): number {
    const { profile } = this.#deps;
    const schedule = readSchedule(profile);
    if (schedule === undefined) return 0;
    const cutoff = this.#now() - this.#graceMs;
    const expired = schedule.replaced.filter((r) => r.replacedAt <= cutoff && r.id !== schedule.current);
    if (expired.length === 0) return 0;
    profile.transaction(() => {
      for (const r of expired) profile.db.prepare('DELETE FROM signed_prekeys WHERE id = ?').run([r.id]);
      writeSchedule(profile, { ...schedule, replaced: schedule.replaced.filter((r) => !expired.includes(r)) });
    });
    return expired.length;
  }
}
