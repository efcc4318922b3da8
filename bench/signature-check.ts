/**
 * What the server's required signature check costs: every pushed envelope's XEdDSA
 * signature is checked against its author's registered identity key before anything is
 * stored (docs/design.md §5; server/src/relay/admission.ts). Timed here is the server's
 * own call, `envelopeSignatureValid`, with the key as the server caches it (a PublicKey),
 * over an update envelope of the throughput run's size, back to back after a warm-up, as a
 * saturated server runs it (after idle it costs more). Set against the stock relay's server CPU
 * per update, it shows how much of what the throughput goal allows per update this one
 * check takes before the relay has done anything else.
 */
import { PrivateKey } from '@signalapp/libsignal-client';
import { envelopeSignatureValid, sealEnvelope } from '@yhteispoyta/crypto/envelope';
import { SAMPLE_UPDATE_HEADER } from './idle-penalty';
import { median } from './stats';
import { textUpdates } from './yjs-updates';

/** µs of one signature check (median of timed batches) over an envelope carrying a `payloadBytes` update. */
export interface SignatureCheckCost {
  readonly payloadBytes: number;
  readonly us: number;
}

/** Checks per timed batch: long enough that the clock's resolution does not matter. */
const BATCH = 200;

/** Times `batches` batches of checks after as many untimed ones; throws if the check ever fails (then nothing real was timed). */
export function measureSignatureCheck(payloadBytes: number, batches: number): SignatureCheckCost {
  const identityKey = PrivateKey.generate();
  const publicKey = identityKey.getPublicKey();
  const [plaintext] = textUpdates(1, 1, payloadBytes);
  if (plaintext === undefined) throw new Error('no sample update');
  const envelope = sealEnvelope({ header: SAMPLE_UPDATE_HEADER, plaintext, epochKey: new Uint8Array(32), identityKey });
  const batch = (): number => {
    const t0 = performance.now();
    for (let i = 0; i < BATCH; i++) {
      if (!envelopeSignatureValid(envelope, publicKey)) throw new Error('the sample envelope does not verify');
    }
    return ((performance.now() - t0) * 1000) / BATCH;
  };
  for (let i = 0; i < batches; i++) batch();
  return { payloadBytes, us: median(Array.from({ length: batches }, batch)) };
}
