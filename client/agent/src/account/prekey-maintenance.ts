/**
 * Keeps this device reachable: one-time prekeys are topped up on the server before they
 * run out (each new contact consumes one of each kind), and the signed prekey is replaced
 * on a schedule, the previous one being kept for a grace period because first messages
 * built on it may still be on their way.
 *
 * It also watches how fast they go (issue 15): a new contact takes one, so dozens within
 * an hour mean someone is draining them (sessions would then fall back to the last-resort
 * key). The user is told with a `prekeys_drained` problem and the keys are topped up at
 * once; the server bounds claims per device and hour below the point where a drain could
 * go unnoticed between two checks.
 */
import type { Logger } from 'pino';
import { pino } from 'pino';
import { z } from 'zod';
import type { DeviceIdentity } from '@yhteispoyta/crypto/identity';
import { generateOneTimePrekeys, generateSignedPreKey } from '@yhteispoyta/crypto/prekeys';
import type { SerialQueue } from '@yhteispoyta/common/queue';
import type { ProblemSink, RestClient } from '../contracts';
import type { ProfileDb } from '../profile/profile-db';
import type { SqlSignalStores } from '../profile/signal-stores';

/** One-time prekeys of each kind the server should hold after a top-up. */
export const PREKEY_TARGET = 100;
/** A top-up happens when the server holds fewer than this of either kind. */
export const PREKEY_LOW_WATER = 25;
/** Default interval between signed-prekey rotations: 7 days. */
const DEFAULT_SIGNED_PREKEY_ROTATION_MS = 7 * 24 * 3600 * 1000;

const SCHEDULE_KEY = 'account.signed_prekeys';

/** One-time prekeys of one kind taken within an hour from which the drain is abnormal. */
export const PREKEY_DRAIN_ALERT = 30;
const DRAIN_WINDOW_MS = 3600 * 1000;
const WATCH_KEY = 'account.prekey_watch';

/**
 * The drain watch: the counts the server reported last (after any top-up), the start of
 * the current hour window, the prekeys taken within it, and whether the user was told.
 */
const watchSchema = z.strictObject({
  ec: z.int().min(0),
  kyber: z.int().min(0),
  windowStart: z.int().min(0),
  taken: z.int().min(0),
  told: z.boolean(),
});
type Watch = z.infer<typeof watchSchema>;

function readWatch(profile: ProfileDb): Watch | undefined {
  const text = profile.getSetting(WATCH_KEY);
  if (text === undefined) return undefined;
  const parsed = watchSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error('prekey watch does not parse');
  return parsed.data;
}

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
  /** one-time prekeys taken in the current hour when that is an abnormal drain (reported once per hour) */
  readonly drained?: number;
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
  #problems: ProblemSink | undefined;
  /** a drain found before anyone listened, told when {@link reportTo} is called */
  #untold: number | undefined;

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

  /** Where an abnormal drain is reported (the agent's problem log). */
  reportTo(problems: ProblemSink): void {
    this.#problems = problems;
    if (this.#untold !== undefined) this.#tell(this.#untold);
    this.#untold = undefined;
  }

  #tell(taken: number): void {
    if (this.#problems === undefined) {
      this.#untold = taken;
      return;
    }
    this.#problems.report({
      code: 'prekeys_drained',
      message: `${taken} of this device's one-time prekeys were taken within an hour, far more than new contacts need. Someone may be using them up; new ones were uploaded.`,
    });
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
    const { toppedUp, drained } = await this.#topUp();
    const rotated = await this.#rotateIfDue();
    const pruned = await this.#deps.queue.run(() => this.#prune());
    return { toppedUp, ...(drained === undefined ? {} : { drained }), rotated, pruned };
  }

  /**
   * Count what was taken since the last check into the hour window. Answers the number
   * taken when it is an abnormal drain not yet reported in this window.
   */
  #watch(count: { ec: number; kyber: number }): { watch: Watch; drained?: number } {
    const now = this.#now();
    const last = readWatch(this.#deps.profile);
    const taken = last === undefined ? 0 : Math.max(0, last.ec - count.ec, last.kyber - count.kyber);
    const fresh = last === undefined || now - last.windowStart >= DRAIN_WINDOW_MS;
    const watch: Watch = fresh
      ? { ec: count.ec, kyber: count.kyber, windowStart: now, taken, told: false }
      : { ec: count.ec, kyber: count.kyber, windowStart: last.windowStart, taken: last.taken + taken, told: last.told };
    if (watch.taken < PREKEY_DRAIN_ALERT || watch.told) return { watch };
    return { watch: { ...watch, told: true }, drained: watch.taken };
  }

  async #topUp(): Promise<{ toppedUp: number; drained?: number }> {
    const { rest, stores, identity, queue, profile } = this.#deps;
    const count = await rest.call('countPrekeys', {});
    const { watch, drained } = this.#watch(count);
    if (drained !== undefined) {
      this.#log.warn({ taken: drained }, 'one-time prekeys drained abnormally');
      this.#tell(drained);
    }
    const low = Math.min(count.ec, count.kyber);
    // A drain is answered with a full top-up at once, not when the low-water mark is reached.
    if (low >= PREKEY_LOW_WATER && (drained === undefined || low >= PREKEY_TARGET)) {
      profile.setSetting(WATCH_KEY, JSON.stringify(watch));
      return drained === undefined ? { toppedUp: 0 } : { toppedUp: 0, drained };
    }
    const n = PREKEY_TARGET - low;
    // Installed before upload: a key the server hands out must already be ours to use.
    const batch = await queue.run(async () => {
      const ids = stores.nextPrekeyIds(n);
      const generated = generateOneTimePrekeys(identity, { firstPreKeyId: ids.preKeyId, firstKyberId: ids.kyberPreKeyId, count: n });
      stores.installPrekeys(generated.records);
      return generated;
    });
    const after = await rest.call('topUpPrekeys', {
      body: { oneTimePreKeys: [...batch.upload.oneTimePreKeys], oneTimeKyberPreKeys: [...batch.upload.oneTimeKyberPreKeys] },
    });
    profile.setSetting(WATCH_KEY, JSON.stringify({ ...watch, ec: after.ec, kyber: after.kyber }));
    this.#log.info({ count: n }, 'one-time prekeys topped up');
    return drained === undefined ? { toppedUp: n } : { toppedUp: n, drained };
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
