/**
 * What idle costs on this machine: the same piece of an agent's work (sealing one small
 * update envelope: header encoding, key derivation, AES-GCM-SIV, an XEdDSA signature) timed
 * back to back, and after the event loop slept 1 ms and 4 ms. An idle agent or relay meets
 * every message after such a pause; where its cores lose speed or caches while idle, every
 * hop of a lone edit costs several times what a busy loop pays.
 */
import { PrivateKey } from '@signalapp/libsignal-client';
import { sealEnvelope } from '@yhteispoyta/crypto/envelope';
import { PROTOCOL_VERSION } from '@yhteispoyta/crypto/types';
import type { EnvelopeHeader } from '@yhteispoyta/crypto/types';
import { median } from './stats';

/** Median µs of one seal: back to back, and after idle pauses. */
export interface IdlePenalty {
  readonly hotUs: number;
  readonly after1msUs: number;
  readonly after4msUs: number;
}

/** The header of the bench's sample update envelope (any valid header costs the same). */
export const SAMPLE_UPDATE_HEADER: EnvelopeHeader = {
  v: PROTOCOL_VERSION,
  workspaceId: 'AAAAAAAAAAAAAAAAAAAAAA',
  stream: 'doc:plan',
  kind: 'update',
  epoch: 1,
  author: { userId: 'BBBBBBBBBBBBBBBBBBBBBB', deviceId: 1 },
  clock: 1,
  snapshotId: '',
  sentAt: 0,
  chainHead: { seq: 1, hash: '0'.repeat(64) },
};

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `samples` seals per condition (after a warm-up of as many back to back). */
export async function measureIdlePenalty(samples: number): Promise<IdlePenalty> {
  const identityKey = PrivateKey.generate();
  const epochKey = new Uint8Array(32);
  const plaintext = new Uint8Array(24);
  const seal = (): number => {
    const t0 = performance.now();
    sealEnvelope({ header: SAMPLE_UPDATE_HEADER, plaintext, epochKey, identityKey });
    return (performance.now() - t0) * 1000;
  };
  for (let i = 0; i < samples; i++) seal();
  const hot = Array.from({ length: samples }, seal);
  const after = async (ms: number): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      await pause(ms);
      times.push(seal());
    }
    return median(times);
  };
  return { hotUs: median(hot), after1msUs: await after(1), after4msUs: await after(4) };
}
