/**
 * Canonical binary encoding of {@link EnvelopeHeader}. The header is both the AEAD's
 * associated data and part of the signed bytes, so exactly one byte string must exist per
 * header: fixed field order, big-endian integers, u16-length-prefixed UTF-8 strings, and a
 * decoder that reads every field in its one canonical form and refuses anything else.
 *
 * Layout (version 2):
 * ```
 * u8  version (= 2)
 * u8  kind             0 update, 1 snapshot, 2 chat, 3 presence, 4 heartbeat
 * str workspaceId      1..MAX_ID_BYTES
 * str stream           1..MAX_STREAM_BYTES
 * u32 epoch            >= 1
 * str author.userId    1..MAX_ID_BYTES
 * u8  author.deviceId  1..127
 * u64 clock            safe integer; 0 for snapshots
 * str snapshotId       0..MAX_ID_BYTES (non-empty for snapshots)
 * u64 sentAt           safe integer
 * u32 chainHead.seq    the author's verified membership-chain head
 * 32  chainHead.hash   (its eventHash)
 * -- kind = snapshot only --
 * str parentSnapshotId 0..MAX_ID_BYTES
 * 32  parentProof
 * u16 count            0..MAX_COVERED_CLOCKS
 *     count × (str deviceKey `userId.deviceId`, u64 clock), keys strictly ascending by UTF-8 bytes
 * ```
 * where `str` is a u16 byte length followed by UTF-8.
 */
import { ByteReader, ByteWriter, DecodeFailure } from './byte-codec';
import type { DecodeFailureCode } from './byte-codec';
import { PROTOCOL_VERSION, ENVELOPE_KINDS, MAX_DEVICE_ID, MIN_DEVICE_ID } from './types';
import type { EnvelopeHeader, EnvelopeKind } from './types';
import { fromHex, toHex, utf8 } from './bytes';
import type { Bytes } from './bytes';

/**
 * Upper bound of an encoded header. 8 KiB rather than 4 KiB because snapshot headers list a
 * covered clock per author device that ever wrote to the stream: about 160 devices with
 * UUID user ids fit.
 */
export const MAX_HEADER_BYTES = 8192;
/** Upper bound, in UTF-8 bytes, of workspace, user and snapshot ids. */
export const MAX_ID_BYTES = 128;
/** Upper bound, in UTF-8 bytes, of a stream name (`doc:<meetingId>` …). */
export const MAX_STREAM_BYTES = 128;
/** Upper bound of the number of entries in a snapshot's `coveredClocks`. */
export const MAX_COVERED_CLOCKS = 1024;
/** Size of `parentProof`: one SHA-256 output. */
export const PARENT_PROOF_BYTES = 32;
/** Largest epoch number a header can carry (it is a u32). */
const MAX_EPOCH = 0xffff_ffff;
/** Largest chain seq a header can carry (it is a u32). */
const MAX_CHAIN_SEQ = 0xffff_ffff;
/** Size of a chain head's hash: one SHA-256 output. */
const CHAIN_HASH_BYTES = 32;
const CHAIN_HASH = /^[0-9a-f]{64}$/;

/** A deviceKey is `userId.deviceId`; the suffix is canonical decimal so each device has one key. */
const MAX_DEVICE_KEY_BYTES = MAX_ID_BYTES + 4;
const DEVICE_KEY = /^(.+)\.([1-9][0-9]{0,2})$/s;

/** Result of {@link decodeHeader}. */
export type DecodeHeaderResult =
  | { readonly ok: true; readonly header: EnvelopeHeader }
  | { readonly ok: false; readonly code: DecodeFailureCode; readonly detail: string };

/**
 * Canonical bytes of a header. Throws RangeError when the header breaks a rule that
 * {@link decodeHeader} enforces (sizes, device id, snapshot-only fields on other kinds …):
 * our own code built it, so that is a bug to surface, not input to tolerate.
 */
export function encodeHeader(h: EnvelopeHeader): Bytes {
  try {
    validateHeader(h);
  } catch (e) {
    if (e instanceof DecodeFailure) throw new RangeError(`encodeHeader: ${e.detail}`);
    throw e;
  }
  const w = new ByteWriter()
    .u8(PROTOCOL_VERSION)
    .u8(ENVELOPE_KINDS.indexOf(h.kind))
    .text(h.workspaceId, MAX_ID_BYTES)
    .text(h.stream, MAX_STREAM_BYTES)
    .u32(h.epoch)
    .text(h.author.userId, MAX_ID_BYTES)
    .u8(h.author.deviceId)
    .u64(h.clock)
    .text(h.snapshotId, MAX_ID_BYTES)
    .u64(h.sentAt)
    .u32(h.chainHead.seq)
    // validateHeader guarantees 64 lower-case hex digits.
    .raw(fromHex(h.chainHead.hash) ?? new Uint8Array(CHAIN_HASH_BYTES));
  if (h.kind === 'snapshot') {
    // validateHeader guarantees all three are present for snapshots.
    const covered = sortedCoveredClocks(h.coveredClocks ?? {});
    w.text(h.parentSnapshotId ?? '', MAX_ID_BYTES).raw(h.parentProof ?? new Uint8Array()).u16(covered.length);
    for (const [key, clock] of covered) w.text(key, MAX_DEVICE_KEY_BYTES).u64(clock);
  }
  const bytes = w.finish();
  if (bytes.byteLength > MAX_HEADER_BYTES) {
    throw new RangeError(`encodeHeader: ${bytes.byteLength} bytes exceeds ${MAX_HEADER_BYTES}`);
  }
  return bytes;
}

/** Strictly decode header bytes from an untrusted source; never throws. */
export function decodeHeader(bytes: Uint8Array): DecodeHeaderResult {
  if (!(bytes instanceof Uint8Array)) return { ok: false, code: 'malformed', detail: 'not bytes' };
  if (bytes.byteLength > MAX_HEADER_BYTES) {
    return { ok: false, code: 'too_large', detail: `${bytes.byteLength} bytes, limit ${MAX_HEADER_BYTES}` };
  }
  try {
    const header = readHeader(new ByteReader(bytes));
    validateHeader(header);
    // Canonical field by field, so canonical as a whole: fixed-width integers, exact
    // length prefixes, strict UTF-8 (one encoding per string), raw hashes read into
    // lower-case hex, covered clocks strictly ascending, nothing trailing. Re-encoding to
    // prove it cost 5 of the 7 µs of a decode, paid by the relay for every envelope;
    // test/fuzz/header-canonical.test.ts checks the property instead, on seeded mutants.
    return { ok: true, header };
  } catch (e) {
    if (e instanceof DecodeFailure) return { ok: false, code: e.code, detail: e.detail };
    // Defensive: ByteReader reports every problem as DecodeFailure, but nothing may escape.
    return { ok: false, code: 'malformed', detail: e instanceof Error ? e.message : 'undecodable' };
  }
}

function readHeader(r: ByteReader): EnvelopeHeader {
  const version = r.u8();
  if (version !== PROTOCOL_VERSION) throw new DecodeFailure('malformed', `unknown header version ${version}`);
  const kindIndex = r.u8();
  const kind: EnvelopeKind | undefined = ENVELOPE_KINDS[kindIndex];
  if (kind === undefined) throw new DecodeFailure('malformed', `unknown kind ${kindIndex}`);
  const workspaceId = r.text('workspaceId', MAX_ID_BYTES);
  const stream = r.text('stream', MAX_STREAM_BYTES);
  const epoch = r.u32();
  const userId = r.text('author.userId', MAX_ID_BYTES);
  const deviceId = r.u8();
  const clock = r.u64('clock');
  const snapshotId = r.text('snapshotId', MAX_ID_BYTES);
  const sentAt = r.u64('sentAt');
  const chainHead = { seq: r.u32(), hash: toHex(r.raw(CHAIN_HASH_BYTES)) };
  const base = { v: PROTOCOL_VERSION, workspaceId, stream, kind, epoch, author: { userId, deviceId }, clock, snapshotId, sentAt, chainHead };
  if (kind !== 'snapshot') {
    r.end();
    return base;
  }
  const parentSnapshotId = r.text('parentSnapshotId', MAX_ID_BYTES);
  const parentProof = r.raw(PARENT_PROOF_BYTES);
  const count = r.u16();
  if (count > MAX_COVERED_CLOCKS) throw new DecodeFailure('too_large', `${count} covered clocks, limit ${MAX_COVERED_CLOCKS}`);
  const coveredClocks: Record<string, number> = {};
  let previousKey: Bytes | undefined;
  for (let i = 0; i < count; i++) {
    const key = r.text('coveredClocks key', MAX_DEVICE_KEY_BYTES);
    const keyBytes = utf8(key);
    if (previousKey !== undefined && compareBytes(previousKey, keyBytes) >= 0) {
      throw new DecodeFailure('malformed', 'coveredClocks keys not strictly ascending');
    }
    previousKey = keyBytes;
    coveredClocks[key] = r.u64('coveredClocks clock');
  }
  r.end();
  return { ...base, parentSnapshotId, parentProof, coveredClocks };
}

/** Rules shared by encoder and decoder, so each accepts exactly what the other produces. */
function validateHeader(h: EnvelopeHeader): void {
  const fail = (detail: string): never => {
    throw new DecodeFailure('malformed', detail);
  };
  if (h.v !== PROTOCOL_VERSION) fail(`unknown header version ${String(h.v)}`);
  if (!ENVELOPE_KINDS.includes(h.kind)) fail(`unknown kind ${String(h.kind)}`);
  if (h.workspaceId.length === 0) fail('empty workspaceId');
  if (h.stream.length === 0) fail('empty stream');
  if (h.author.userId.length === 0) fail('empty author.userId');
  if (!Number.isInteger(h.epoch) || h.epoch < 1 || h.epoch > MAX_EPOCH) fail(`epoch ${h.epoch} out of range`);
  if (!isDeviceId(h.author.deviceId)) fail(`deviceId ${h.author.deviceId} out of range`);
  if (!isClock(h.clock)) fail('clock is not a safe non-negative integer');
  if (!isClock(h.sentAt)) fail('sentAt is not a safe non-negative integer');
  if (!Number.isInteger(h.chainHead.seq) || h.chainHead.seq < 0 || h.chainHead.seq > MAX_CHAIN_SEQ) fail('chainHead.seq out of range');
  if (!CHAIN_HASH.test(h.chainHead.hash)) fail('chainHead.hash is not 64 lower-case hex digits');
  const snapshotFields = [h.parentSnapshotId, h.parentProof, h.coveredClocks];
  if (h.kind !== 'snapshot') {
    if (snapshotFields.some((f) => f !== undefined)) fail(`snapshot fields on a ${h.kind} header`);
    return;
  }
  if (snapshotFields.some((f) => f === undefined)) fail('snapshot header lacks parentSnapshotId, parentProof or coveredClocks');
  if (h.snapshotId.length === 0) fail('snapshot without its own snapshotId');
  if (h.clock !== 0) fail('snapshots carry clock 0');
  if (h.parentProof?.byteLength !== PARENT_PROOF_BYTES) fail(`parentProof must be ${PARENT_PROOF_BYTES} bytes`);
  const covered = Object.entries(h.coveredClocks ?? {});
  if (covered.length > MAX_COVERED_CLOCKS) throw new DecodeFailure('too_large', 'too many covered clocks');
  for (const [key, clock] of covered) {
    if (!isDeviceKey(key)) fail(`coveredClocks key ${JSON.stringify(key)} is not userId.deviceId`);
    if (!isClock(clock)) fail(`coveredClocks[${key}] is not a safe non-negative integer`);
  }
}

function isDeviceId(n: number): boolean {
  return Number.isInteger(n) && n >= MIN_DEVICE_ID && n <= MAX_DEVICE_ID;
}

function isClock(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function isDeviceKey(key: string): boolean {
  const match = DEVICE_KEY.exec(key);
  if (match === null) return false;
  const [, userId = '', deviceId = ''] = match;
  return utf8(userId).byteLength <= MAX_ID_BYTES && isDeviceId(Number(deviceId));
}

function sortedCoveredClocks(covered: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(covered)
    .map(([key, clock]): [Bytes, string, number] => [utf8(key), key, clock])
    .sort((a, b) => compareBytes(a[0], b[0]))
    .map(([, key, clock]) => [key, clock]);
}

/** Lexicographic byte order: the canonical order of coveredClocks keys. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.byteLength - b.byteLength;
}
