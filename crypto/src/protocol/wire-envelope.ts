/**
 * Envelopes as socket.io carries them: each one a single binary blob, the encoded wire
 * envelope of envelope-format.ts `encodeWireEnvelope` (a Buffer on Node, one socket.io
 * attachment), never base64 and never its four parts apart. The schemas decode the blob
 * into the in-memory {@link WireEnvelope} with strict framing and size checks; the server
 * then decodes the header and verifies the signature (`verifyEnvelopeSignature` of envelope.ts).
 */
import { z } from 'zod';
import { decodeEnvelopeFrame, encodeWireEnvelope, MAX_CIPHERTEXT_BYTES, maxEncodedEnvelopeBytes } from '../envelope-format';
import type { Bytes } from '../bytes';
import type { WireEnvelope } from '../types';
import { timestampMsSchema } from './fields';

/**
 * Largest presence ciphertext. Presence (cursors, names, colours) is small, fanned out
 * to every member and never stored; a tight bound keeps it from being a cheap
 * amplification channel.
 */
export const MAX_PRESENCE_CIPHERTEXT_BYTES = 16 * 1024;

/**
 * An encoded envelope as received → the WireEnvelope it encodes. A refusal is a zod issue
 * whose message starts with decodeEnvelopeFrame's code (`malformed` or `too_large`) and
 * whose `params.code` is that code; hostile bytes never make it throw.
 */
function envelopeBlobSchema(maxCiphertextBytes: number, keepBytes: boolean): z.ZodType<WireEnvelope, Uint8Array> {
  // A plain ArrayBuffer underneath (a Buffer included); shared memory could change while read.
  const bytesSchema = z.custom<Uint8Array>((v) => v instanceof Uint8Array && v.buffer instanceof ArrayBuffer, 'must be a Uint8Array');
  return bytesSchema.transform((bytes, ctx) => {
    const framed = decodeEnvelopeFrame(bytes, maxCiphertextBytes);
    if (framed.ok) {
      // The frame decoder is strict (nothing trailing, every length checked): its copy of
      // the bytes is exactly encodeWireEnvelope(envelope), and the parts are views into it.
      if (keepBytes) received.set(framed.envelope, framed.frame);
      return framed.envelope;
    }
    ctx.issues.push({ code: 'custom', message: `${framed.code}: ${framed.detail}`, params: { code: framed.code }, input: bytes });
    return z.NEVER;
  });
}

/** The encoded bytes each envelope a request schema parsed arrived as (the parsed parts are never written to). */
const received = new WeakMap<WireEnvelope, Bytes>();

/**
 * The encoded form of an envelope (`encodeWireEnvelope`): the very bytes it arrived as
 * when {@link wireEnvelopeSchema} or {@link presenceEnvelopeSchema} parsed it (the
 * requests a relay receives), so that the relay storing and forwarding it does not encode
 * it again; otherwise freshly encoded. Envelopes an agent receives keep no such copy.
 * Throws RangeError as encodeWireEnvelope does.
 */
export function envelopeBytes(envelope: WireEnvelope): Bytes {
  return received.get(envelope) ?? encodeWireEnvelope(envelope);
}

/** A types.ts {@link WireEnvelope} (update, snapshot or chat) as received over socket.io: its encoded bytes. */
export const wireEnvelopeSchema = envelopeBlobSchema(MAX_CIPHERTEXT_BYTES, true);

/** The same, for envelopes an agent receives (stored envelopes, presence notices): no copy of the bytes is kept. */
const receivedEnvelopeSchema = envelopeBlobSchema(MAX_CIPHERTEXT_BYTES, false);

/** A presence envelope: a WireEnvelope whose ciphertext is at most {@link MAX_PRESENCE_CIPHERTEXT_BYTES}. */
export const presenceEnvelopeSchema = envelopeBlobSchema(MAX_PRESENCE_CIPHERTEXT_BYTES, true);

/** A presence envelope an agent receives: no copy of the bytes is kept. */
export const presenceNoticeEnvelopeSchema = envelopeBlobSchema(MAX_PRESENCE_CIPHERTEXT_BYTES, false);

/**
 * An envelope in the form socket.io carries it (what {@link wireEnvelopeSchema} parses).
 * Throws RangeError for an envelope whose parts have illegal sizes (the sender's own data).
 */
export function envelopeFrame(envelope: WireEnvelope): Bytes {
  return encodeWireEnvelope(envelope);
}

/**
 * Largest socket.io message a client may send: one envelope at its limits, plus room
 * for the JSON around it and socket.io's framing. The server sets socket.io's
 * `maxHttpBufferSize` to this (its default of 1 MB would refuse big snapshots).
 */
export const MAX_CLIENT_SOCKET_MESSAGE_BYTES = maxEncodedEnvelopeBytes(MAX_CIPHERTEXT_BYTES) + 64 * 1024;

/** An envelope as the server stored it. */
export interface StoredEnvelope {
  /**
   * Server sequence, per workspace, strictly increasing in storage order and ≥ 1 (so
   * `afterSeq: 0` means "from the start"); it may have holes.
   */
  readonly seq: number;
  readonly envelope: WireEnvelope;
  /** ms since epoch, server clock */
  readonly receivedAt: number;
}

/** A {@link StoredEnvelope} as socket.io carries it: the envelope as its encoded bytes. */
export interface StoredEnvelopeFrame {
  readonly seq: number;
  readonly envelope: Uint8Array;
  readonly receivedAt: number;
}

/** Parses a {@link StoredEnvelope} from its {@link StoredEnvelopeFrame}. */
export const storedEnvelopeSchema: z.ZodType<StoredEnvelope, StoredEnvelopeFrame> = z.strictObject({
  seq: z.int().min(1),
  envelope: receivedEnvelopeSchema,
  receivedAt: timestampMsSchema,
});
