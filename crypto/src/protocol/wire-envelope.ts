/**
 * Envelopes as socket.io carries them: raw bytes (a Buffer on Node), never base64.
 * These schemas check shape and sizes only; the server then decodes the header and
 * verifies the signature (`verifyEnvelopeSignature` of envelope.ts).
 */
import { z } from 'zod';
import { AEAD_TAG_BYTES, MAX_CIPHERTEXT_BYTES, NONCE_BYTES, SIGNATURE_BYTES } from '../envelope';
import { MAX_HEADER_BYTES } from '../header';
import type { WireEnvelope } from '../types';
import { rawBytesSchema, timestampMsSchema } from './fields';

/**
 * Largest presence ciphertext. Presence (cursors, names, colours) is small, fanned out
 * to every member and never stored; a tight bound keeps it from being a cheap
 * amplification channel.
 */
export const MAX_PRESENCE_CIPHERTEXT_BYTES = 16 * 1024;

function envelopeSchema(maxCiphertextBytes: number): z.ZodType<WireEnvelope> {
  return z.strictObject({
    header: rawBytesSchema(1, MAX_HEADER_BYTES),
    nonce: rawBytesSchema(NONCE_BYTES, NONCE_BYTES),
    // Every AEAD ciphertext carries its tag, so anything shorter is not one.
    ciphertext: rawBytesSchema(AEAD_TAG_BYTES, maxCiphertextBytes),
    signature: rawBytesSchema(SIGNATURE_BYTES, SIGNATURE_BYTES),
  });
}

/** A types.ts {@link WireEnvelope} (update, snapshot or chat) as received over socket.io. */
export const wireEnvelopeSchema = envelopeSchema(MAX_CIPHERTEXT_BYTES);

/** A presence envelope: a WireEnvelope whose ciphertext is at most {@link MAX_PRESENCE_CIPHERTEXT_BYTES}. */
export const presenceEnvelopeSchema = envelopeSchema(MAX_PRESENCE_CIPHERTEXT_BYTES);

/**
 * Largest socket.io message a client may send: one envelope at its limits, plus room
 * for the JSON around it and socket.io's framing. The server sets socket.io's
 * `maxHttpBufferSize` to this (its default of 1 MB would refuse big snapshots).
 */
export const MAX_CLIENT_SOCKET_MESSAGE_BYTES =
  MAX_HEADER_BYTES + NONCE_BYTES + MAX_CIPHERTEXT_BYTES + SIGNATURE_BYTES + 64 * 1024;

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

/** Parses a {@link StoredEnvelope}. */
export const storedEnvelopeSchema: z.ZodType<StoredEnvelope> = z.strictObject({
  seq: z.int().min(1),
  envelope: wireEnvelopeSchema,
  receivedAt: timestampMsSchema,
});
