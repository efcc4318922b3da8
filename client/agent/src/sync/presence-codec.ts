/**
 * The plaintext of a presence envelope. Presence travels on the workspace's `presence`
 * stream, so the document it belongs to is named inside the (encrypted) plaintext:
 * `u8 version (1) ‖ u16 stream length ‖ stream (UTF-8) ‖ awareness update`.
 */
import { concatBytes, fromUtf8, utf8 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { streamNameSchema } from '@yhteispoyta/crypto/protocol';
import { isDocStream } from '@yhteispoyta/crypto/stream-rules';

const VERSION = 1;

/** Encodes a presence plaintext. Throws RangeError for a stream that is not a document stream. */
export function encodePresence(stream: string, update: Uint8Array): Bytes {
  if (!isDocStream(stream)) throw new RangeError(`not a document stream: ${stream}`);
  const name = utf8(stream);
  const head = new Uint8Array(3);
  head[0] = VERSION;
  new DataView(head.buffer).setUint16(1, name.byteLength);
  return concatBytes(head, name, update);
}

/** Decodes an untrusted presence plaintext; undefined when it is not one. Never throws. */
export function decodePresence(plaintext: Uint8Array): { stream: string; update: Bytes } | undefined {
  if (plaintext.byteLength < 3 || plaintext[0] !== VERSION) return undefined;
  const length = new DataView(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength).getUint16(1);
  if (plaintext.byteLength < 3 + length) return undefined;
  let stream: string;
  try {
    stream = fromUtf8(plaintext.subarray(3, 3 + length));
  } catch {
    return undefined;
  }
  // Untrusted: a well-formed stream name, and a document's.
  if (!streamNameSchema.safeParse(stream).success || !isDocStream(stream)) return undefined;
  return { stream, update: concatBytes(plaintext.subarray(3 + length)) };
}
