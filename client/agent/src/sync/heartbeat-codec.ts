/**
 * The plaintext of a heartbeat (docs/design.md §12): the author's acknowledged clock in
 * each stream it writes to, and the newest transparency-log head it verified (or null).
 * Its chain head is in the envelope header, like every envelope's. Canonical JSON in UTF-8,
 * strictly parsed (the sender is a member, but its words are still untrusted input).
 */
import { z } from 'zod';
import { canonicalJson, fromUtf8, utf8 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { streamNameSchema } from '@yhteispoyta/crypto/protocol';
import { signedTreeHeadSchema } from '@yhteispoyta/crypto/transparency/tree-head';
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';

/** Most streams one heartbeat names (a workspace's documents and its chat). */
const MAX_HEARTBEAT_STREAMS = 256;

/** What a heartbeat says. */
export interface Heartbeat {
  /** stream → the author's last clock the server acknowledged there */
  readonly clocks: Readonly<Record<string, number>>;
  /** the newest log head the author verified; null when it has none */
  readonly logHead: SignedTreeHead | null;
}

const heartbeatSchema = z.strictObject({
  v: z.literal(1),
  clocks: z
    .record(streamNameSchema, z.int().min(0).max(Number.MAX_SAFE_INTEGER))
    .refine((clocks) => Object.keys(clocks).length <= MAX_HEARTBEAT_STREAMS, `at most ${MAX_HEARTBEAT_STREAMS} streams`),
  logHead: signedTreeHeadSchema.nullable(),
});

/** The plaintext of a heartbeat. */
export function encodeHeartbeat(heartbeat: Heartbeat): Bytes {
  const clocks: Record<string, number> = {};
  for (const [stream, clock] of Object.entries(heartbeat.clocks)) clocks[stream] = clock;
  const head = heartbeat.logHead;
  const logHead = head === null ? null : { treeSize: head.treeSize, rootHash: head.rootHash, timestamp: head.timestamp, signature: head.signature };
  return utf8(canonicalJson({ v: 1, clocks, logHead }));
}

/** An untrusted heartbeat plaintext; undefined when it is not one. Never throws. */
export function decodeHeartbeat(plaintext: Uint8Array): Heartbeat | undefined {
  try {
    const parsed = heartbeatSchema.safeParse(JSON.parse(fromUtf8(plaintext)));
    return parsed.success ? { clocks: parsed.data.clocks, logHead: parsed.data.logHead } : undefined;
  } catch {
    return undefined;
  }
}
