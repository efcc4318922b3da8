/**
 * For unit tests that hand the sync engine's parts envelopes without sealing them: a
 * header whose fields are all valid, an update by anna's device 1 on `w1`'s plan unless
 * the test says otherwise.
 */
import { PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import type { EnvelopeHeader } from '@yhteispoyta/crypto/types';

/** A valid envelope header with `overrides` applied. */
export function testHeader(overrides: Partial<EnvelopeHeader> = {}): EnvelopeHeader {
  return {
    v: PROTOCOL_VERSION,
    workspaceId: 'w1',
    stream: 'doc:plan',
    kind: 'update',
    epoch: 1,
    author: { userId: 'anna', deviceId: 1 },
    clock: 1,
    snapshotId: '',
    sentAt: 0,
    chainHead: { seq: 0, hash: '0'.repeat(64) },
    ...overrides,
  };
}
