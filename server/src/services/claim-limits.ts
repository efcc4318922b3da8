/**
 * How fast one-time prekeys may be claimed (issue 15): per claimed device, so that even a
 * device sharing a workspace cannot drain someone's prekeys faster than his agent notices
 * and tops up (client/agent/src/account/prekey-maintenance.ts), and per claiming device.
 * Fixed hourly windows in this process's memory, one table per store (as the chain
 * cache): behind several server processes each enforces its own share.
 */
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import { createRateLimiter } from '../http/rate-limit';
import type { RateLimiter } from '../http/rate-limit';
import type { DirectoryStore } from '../store/port';

const HOUR_MS = 3600_000;

/** The claim limits of one server. */
export interface ClaimLimits {
  /**
   * Count the claim of `deviceIds` of `userId` by `caller`; throws `rate_limited` when a
   * claimed device or the caller is over its hourly limit.
   */
  take(caller: DeviceRef, userId: string, deviceIds: readonly number[], now: number): void;
}

const tables = new WeakMap<DirectoryStore, ClaimLimits>();

function createClaimLimits(perTarget: number, perClaimant: number): ClaimLimits {
  const targets: RateLimiter = createRateLimiter(perTarget, HOUR_MS);
  const claimants: RateLimiter = createRateLimiter(perClaimant, HOUR_MS);
  return {
    take(caller, userId, deviceIds, now) {
      let claimantOk = true;
      for (let i = 0; i < Math.max(1, deviceIds.length); i++) claimantOk = claimants.take(deviceKey(caller), now) && claimantOk;
      if (!claimantOk) throw new ProtocolError('rate_limited', 'this device claims too many prekey bundles; try again later');
      let targetOk = true;
      for (const deviceId of deviceIds) targetOk = targets.take(deviceKey({ userId, deviceId }), now) && targetOk;
      if (!targetOk) throw new ProtocolError('rate_limited', "this person's prekeys were claimed too often; try again later");
    },
  };
}

/** The claim limits of the server whose store `ctx` holds. */
export function claimLimitsOf(ctx: Needs<'directory', 'config'>): ClaimLimits {
  let limits = tables.get(ctx.store.directory);
  if (limits === undefined) {
    const { perTargetPerHour, perClaimantPerHour } = ctx.config.limits.prekeyClaims;
    limits = createClaimLimits(perTargetPerHour, perClaimantPerHour);
    tables.set(ctx.store.directory, limits);
  }
  return limits;
}
