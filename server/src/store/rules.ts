/**
 * The rules both adapters enforce, as pure functions, so the two cannot drift apart.
 */
import { MAX_DEVICE_ID, MIN_DEVICE_ID } from '@yhteispoyta/crypto/types';
import type { AppendEnvelopeResult, AppendSnapshotResult } from './port';

/** Whether a number is a valid libsignal device id (1–127). */
export function isValidDeviceId(deviceId: number): boolean {
  return Number.isInteger(deviceId) && deviceId >= MIN_DEVICE_ID && deviceId <= MAX_DEVICE_ID;
}

/**
 * Judge an envelope clock against the author's last stored clock (0 if none): it must be
 * exactly last + 1. Returns the refusal, or null when the clock is acceptable.
 */
export function judgeClock(lastClock: number, clock: number): Extract<AppendEnvelopeResult, { ok: false }> | null {
  const expected = lastClock + 1;
  if (clock === expected) return null;
  return clock < expected ? { ok: false, code: 'clock_replay', expected } : { ok: false, code: 'clock_gap', expected };
}

/**
 * Judge a snapshot's coverage: for each author with updates referencing the parent,
 * `lastClocks[author]` must be ≤ `coveredClocks[author]`. Authors are checked in sorted
 * order so the reported one is deterministic.
 */
export function judgeCoverage(
  lastClocks: Readonly<Record<string, number>>,
  coveredClocks: Readonly<Record<string, number>>,
): Extract<AppendSnapshotResult, { code: 'not_covering' }> | null {
  for (const authorKey of Object.keys(lastClocks).sort()) {
    const required = lastClocks[authorKey] ?? 0;
    const covered = Object.hasOwn(coveredClocks, authorKey) ? (coveredClocks[authorKey] ?? 0) : 0;
    if (covered < required) return { ok: false, code: 'not_covering', authorKey, required };
  }
  return null;
}
