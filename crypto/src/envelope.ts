/**
 * Sealing and opening envelopes (docs/design.md §5): AES-256-GCM-SIV under a per-stream key derived
 * from the epoch key, the canonical header as associated data, and an XEdDSA signature by
 * the author's identity key so that the server and every reader can attribute and reject
 * forgeries. Sizes, binary form and snapshot-chain hashes live in envelope-format.ts and
 * are re-exported here.
 */
import { Aes256GcmSiv, hkdf } from '@signalapp/libsignal-client';
import type { PrivateKey } from '@signalapp/libsignal-client';
import { ByteWriter } from './byte-codec';
import { randomBytes, sha256, toBytes, utf8 } from './bytes';
import type { Bytes } from './bytes';
import { MAX_PLAINTEXT_BYTES, NONCE_BYTES, parseEnvelopeShape } from './envelope-format';
import { decodeHeader, encodeHeader, MAX_ID_BYTES, MAX_STREAM_BYTES } from './header';
import { verifySignature } from './signature-check';
import { streamPairKey } from './stream-rules';
import type { IdentityKeyInput } from './signature-check';
import { PROTOCOL_VERSION } from './types';
import type { DeviceRef, EnvelopeHeader, WireEnvelope } from './types';

export * from './envelope-format';

/**
 * Size of an epoch key and of every derived stream key. Same value as epoch.ts's
 * EPOCH_KEY_BYTES, kept private here so that the server's verification path (this module)
 * does not load the session code epoch.ts depends on.
 */
const KEY_BYTES = 32;

/** HKDF label prefix; binding protocol and version keeps keys from ever serving two purposes. */
const STREAM_KEY_LABEL = 'yhteispoyta/stream-key';
/** Prefix inside the signed hash, so an envelope signature can never pass as another signature. */
const SIGNATURE_CONTEXT = 'yhteispoyta/envelope-signature';
/** What every signed hash starts with, the same bytes for every envelope (context ‖ version). */
const SIGNATURE_PREFIX: Uint8Array = new ByteWriter().raw(utf8(SIGNATURE_CONTEXT)).u8(PROTOCOL_VERSION).finish();

/**
 * The AEAD key of one stream in one epoch: HKDF-SHA256(epochKey, label) where label =
 * "yhteispoyta/stream-key" ‖ u8 version ‖ u16-prefixed workspaceId ‖ u16-prefixed stream.
 * The length prefixes make (workspace, stream) pairs unambiguous. Throws RangeError when the
 * epoch key is not 32 bytes or an id is over its limit.
 */
export function deriveStreamKey(epochKey: Uint8Array, workspaceId: string, stream: string): Bytes {
  if (epochKey.byteLength !== KEY_BYTES) throw new RangeError(`epoch key must be ${KEY_BYTES} bytes`);
  const label = new ByteWriter()
    .raw(utf8(STREAM_KEY_LABEL))
    .u8(PROTOCOL_VERSION)
    .text(workspaceId, MAX_ID_BYTES)
    .text(stream, MAX_STREAM_BYTES)
    .finish();
  return hkdf(KEY_BYTES, toBytes(epochKey), label, null);
}

/**
 * The AEADs of streams, each derived once per epoch key and stream and kept by whoever
 * owns this object (an agent keeps one per session): every envelope otherwise pays an
 * HKDF and an AES key schedule. Keyed by the epoch key's bytes object, so a key its owner
 * drops takes its ciphers with it; the owner must never change a key's bytes in place.
 */
export class StreamCiphers {
  readonly #byEpochKey = new WeakMap<Uint8Array, Map<string, Aes256GcmSiv>>();

  /** The AEAD of `stream` under `epochKey` ({@link deriveStreamKey}); throws as that does. */
  of(epochKey: Uint8Array, workspaceId: string, stream: string): Aes256GcmSiv {
    let streams = this.#byEpochKey.get(epochKey);
    if (streams === undefined) {
      streams = new Map();
      this.#byEpochKey.set(epochKey, streams);
    }
    const name = streamPairKey(workspaceId, stream);
    let cipher = streams.get(name);
    if (cipher === undefined) {
      cipher = Aes256GcmSiv.new(deriveStreamKey(epochKey, workspaceId, stream));
      streams.set(name, cipher);
    }
    return cipher;
  }
}

/** The AEAD of one stream: from `ciphers` when given, else derived now. */
function streamCipher(ciphers: StreamCiphers | undefined, epochKey: Uint8Array, workspaceId: string, stream: string): Aes256GcmSiv {
  return ciphers === undefined ? Aes256GcmSiv.new(deriveStreamKey(epochKey, workspaceId, stream)) : ciphers.of(epochKey, workspaceId, stream);
}

/** The bytes an envelope signature covers: SHA-256(context ‖ version ‖ u32 header length ‖ header ‖ nonce ‖ ciphertext). */
function signedDigest(header: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array): Bytes {
  const headerLength = new Uint8Array(4);
  new DataView(headerLength.buffer).setUint32(0, header.byteLength);
  return sha256(SIGNATURE_PREFIX, headerLength, header, nonce, ciphertext);
}

/** What {@link sealEnvelope} needs. */
export interface SealInput {
  readonly header: EnvelopeHeader;
  readonly plaintext: Uint8Array;
  /** the workspace's key for `header.epoch` */
  readonly epochKey: Uint8Array;
  /** the author device's identity private key (the device named in `header.author`) */
  readonly identityKey: PrivateKey;
  /** derived stream ciphers to reuse; derived anew when absent */
  readonly ciphers?: StreamCiphers;
}

/**
 * Encrypts and signs. Throws RangeError for an invalid header, an oversized plaintext or a
 * wrong-size epoch key: all are the caller's own data.
 */
export function sealEnvelope(input: SealInput): WireEnvelope {
  if (input.plaintext.byteLength > MAX_PLAINTEXT_BYTES) {
    throw new RangeError(`plaintext of ${input.plaintext.byteLength} bytes exceeds ${MAX_PLAINTEXT_BYTES}`);
  }
  const header = encodeHeader(input.header);
  const cipher = streamCipher(input.ciphers, input.epochKey, input.header.workspaceId, input.header.stream);
  const nonce = randomBytes(NONCE_BYTES);
  const ciphertext = cipher.encrypt(toBytes(input.plaintext), nonce, header);
  const signature = input.identityKey.sign(signedDigest(header, nonce, ciphertext));
  return { header, nonce, ciphertext, signature };
}

/** Result of {@link verifyEnvelopeSignature}. */
export type VerifyEnvelopeResult =
  | { readonly ok: true; readonly header: EnvelopeHeader }
  | { readonly ok: false; readonly code: 'malformed' | 'too_large' | 'bad_signature'; readonly detail: string };

/**
 * The server's check, which needs no secret: shape and sizes, strict header decode, then
 * the signature against the given identity key. The caller must pass the key registered
 * for the header's author (decode the header first with decodeHeader to learn who that is).
 * A key that cannot be deserialized yields bad_signature. Never throws.
 */
export function verifyEnvelopeSignature(envelope: unknown, authorIdentityKey: IdentityKeyInput): VerifyEnvelopeResult {
  const shape = parseEnvelopeShape(envelope);
  if (!shape.ok) return shape;
  const { header, nonce, ciphertext, signature } = shape.envelope;
  const decoded = decodeHeader(header);
  if (!decoded.ok) return decoded;
  if (!verifySignature(authorIdentityKey, signedDigest(header, nonce, ciphertext), signature)) {
    return { ok: false, code: 'bad_signature', detail: 'signature does not verify with the author key' };
  }
  return { ok: true, header: decoded.header };
}

/**
 * The signature check alone, for an envelope the wire schema already parsed into a
 * `WireEnvelope` (protocol/wire-envelope.ts: part sizes checked, bytes of its own) and whose
 * header the caller already decoded — the relay's admission, for every envelope it
 * relays: no second copy of the parts, no second decode of the header.
 */
export function envelopeSignatureValid(envelope: WireEnvelope, authorIdentityKey: IdentityKeyInput): boolean {
  return verifySignature(authorIdentityKey, signedDigest(envelope.header, envelope.nonce, envelope.ciphertext), envelope.signature);
}

/** What a reader knows when opening envelopes of one stream. */
export interface OpenContext {
  readonly workspaceId: string;
  readonly stream: string;
  /** identity key of a device, from the verified membership chain; undefined if unknown */
  identityOf(ref: DeviceRef): IdentityKeyInput | undefined;
  /** the epoch key for an epoch number; undefined if this device never received it */
  epochKeyOf(epoch: number): Uint8Array | undefined;
  /** derived stream ciphers to reuse; derived anew when absent */
  readonly ciphers?: StreamCiphers;
}

/** Why {@link openEnvelope} refused an envelope. */
export type OpenErrorCode =
  | 'malformed'
  | 'too_large'
  | 'wrong_context'
  | 'unknown_author'
  | 'bad_signature'
  | 'unknown_epoch'
  | 'wrong_key';

/** Result of {@link openEnvelope}. */
export type OpenEnvelopeResult =
  | { readonly ok: true; readonly header: EnvelopeHeader; readonly plaintext: Bytes }
  | { readonly ok: false; readonly code: OpenErrorCode; readonly detail: string };

/**
 * Verifies and decrypts an untrusted envelope. Checks run in this order, and the first
 * failure is reported: shape/size → header decode → context (workspace and stream must be
 * the ones being read, or a server could replay an envelope into another stream) → author
 * known → signature → epoch key present → decryption (AEAD failure = wrong_key).
 * Never throws on hostile input; exceptions from the caller's own callbacks propagate.
 */
export function openEnvelope(envelope: unknown, ctx: OpenContext): OpenEnvelopeResult {
  const shape = parseEnvelopeShape(envelope);
  if (!shape.ok) return shape;
  const { header: headerBytes, nonce, ciphertext, signature } = shape.envelope;
  const decoded = decodeHeader(headerBytes);
  if (!decoded.ok) return decoded;
  const header = decoded.header;
  if (header.workspaceId !== ctx.workspaceId || header.stream !== ctx.stream) {
    return { ok: false, code: 'wrong_context', detail: 'envelope belongs to another workspace or stream' };
  }
  const authorKey = ctx.identityOf(header.author);
  if (authorKey === undefined) return { ok: false, code: 'unknown_author', detail: 'author device is not known' };
  if (!verifySignature(authorKey, signedDigest(headerBytes, nonce, ciphertext), signature)) {
    return { ok: false, code: 'bad_signature', detail: 'signature does not verify with the author key' };
  }
  const epochKey = ctx.epochKeyOf(header.epoch);
  if (epochKey === undefined) return { ok: false, code: 'unknown_epoch', detail: `no key for epoch ${header.epoch}` };
  try {
    const cipher = streamCipher(ctx.ciphers, epochKey, header.workspaceId, header.stream);
    const plaintext = cipher.decrypt(ciphertext, nonce, headerBytes);
    return { ok: true, header, plaintext };
  } catch {
    return { ok: false, code: 'wrong_key', detail: 'decryption failed under the epoch key' };
  }
}
