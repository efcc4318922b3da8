import { IdentityKeyPair } from '@signalapp/libsignal-client';
import { describe, expect, it } from 'vitest';
import { compareScannable, safetyNumber } from './safety';

describe('safetyNumber', () => {
  const anna = IdentityKeyPair.generate().publicKey;
  const ben = IdentityKeyPair.generate().publicKey;
  const fromAnna = safetyNumber({ localUserId: 'anna', localIdentityKey: anna, remoteUserId: 'ben', remoteIdentityKey: ben });
  const fromBen = safetyNumber({ localUserId: 'ben', localIdentityKey: ben, remoteUserId: 'anna', remoteIdentityKey: anna });

  it('is 60 digits and the same on both sides', () => {
    expect(fromAnna.displayString).toMatch(/^\d{60}$/);
    expect(fromBen.displayString).toBe(fromAnna.displayString);
  });

  it('matches when each side scans the other', () => {
    expect(compareScannable(fromAnna.scannable, fromBen.scannable)).toBe(true);
    expect(compareScannable(fromBen.scannable, fromAnna.scannable)).toBe(true);
  });

  it('changes when either identity key changes', () => {
    const benReinstalled = IdentityKeyPair.generate().publicKey;
    const changed = safetyNumber({ localUserId: 'anna', localIdentityKey: anna, remoteUserId: 'ben', remoteIdentityKey: benReinstalled });
    expect(changed.displayString).not.toBe(fromAnna.displayString);
    const benView = safetyNumber({ localUserId: 'ben', localIdentityKey: benReinstalled, remoteUserId: 'anna', remoteIdentityKey: anna });
    expect(compareScannable(fromAnna.scannable, benView.scannable)).toBe(false);
    expect(compareScannable(changed.scannable, benView.scannable)).toBe(true);
  });

  it('binds the user ids', () => {
    const other = safetyNumber({ localUserId: 'anna', localIdentityKey: anna, remoteUserId: 'eve', remoteIdentityKey: ben });
    expect(other.displayString).not.toBe(fromAnna.displayString);
  });

  it('compareScannable is false for garbage, never throwing', () => {
    for (const bad of [new Uint8Array(0), new Uint8Array(80), fromAnna.scannable.slice(0, 10)]) {
      expect(compareScannable(fromAnna.scannable, bad)).toBe(false);
      expect(compareScannable(bad, fromAnna.scannable)).toBe(false);
    }
    expect(compareScannable(fromAnna.scannable, 'x' as unknown as Uint8Array)).toBe(false);
  });
});
