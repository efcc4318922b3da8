/**
 * Generated socket.io traffic: for every client event a valid request (a template) and
 * from a seed one hostile variant — one field mutated, an envelope sealed and signed
 * correctly but with broken header fields, random events and argument lists, hostile
 * handshakes, and raw engine.io/socket.io frames that no well-behaved client would send.
 */
import { CLIENT_TO_SERVER_EVENTS, MAX_CLIENT_SOCKET_MESSAGE_BYTES, SOCKET_PROTOCOL_VERSION, SERVER_TO_CLIENT_EVENTS } from '@yhteispoyta/crypto/protocol';
import type { ClientToServerEventName } from '@yhteispoyta/crypto/protocol';
import type { EnvelopeHeader, EnvelopeKind, WireEnvelope } from '@yhteispoyta/crypto/types';
import type { FuzzFixtures } from './fixtures';
import { hostileString, hostileValue } from './hostile-values';
import { mutateOnce } from './mutate';
import { Prng } from '@yhteispoyta/test-support/prng';

/** Which fixture device a socket belongs to: alice and bob are members of W, carol and dave are not. */
export type SocketIdentity = 'alice' | 'bob' | 'carol' | 'dave';

/** One event emitted on an authenticated socket. */
export interface SocketCase {
  readonly transport: 'socket';
  readonly as: SocketIdentity;
  readonly event: string;
  readonly args: readonly unknown[];
  /** whether an ack callback is passed last */
  readonly ack: boolean;
  /** the message breaks socket.io's own limits (attachments, size): the server may drop the connection instead of answering */
  readonly mayDisconnect: boolean;
  readonly note: string;
}

/** A connection attempt with a hostile handshake `auth`. */
export interface HandshakeCase {
  readonly transport: 'handshake';
  readonly auth: unknown;
  /** only a well-formed auth with a live token may connect */
  readonly valid: boolean;
  readonly note: string;
}

/** Raw frames over a WebSocket to the engine.io endpoint, after a handshake as `as` (or none). */
export interface RawFramesCase {
  readonly transport: 'raw';
  readonly as: SocketIdentity | 'none';
  readonly frames: readonly (string | Uint8Array)[];
  readonly note: string;
}

/** Any generated socket-side case. */
export type SocketSideCase = SocketCase | HandshakeCase | RawFramesCase;

/** socket.io-parser's default limit of binary attachments per message, which the server keeps. */
const SERVER_MAX_ATTACHMENTS = 10;

/** Binary attachments and approximate encoded bytes of a payload (iterative walk). */
function payloadShape(args: readonly unknown[]): { binaries: number; bytes: number } {
  const stack: unknown[] = [...args];
  let binaries = 0;
  let bytes = 0;
  let visited = 0;
  while (stack.length > 0 && visited < 2_000_000) {
    const value = stack.pop();
    visited += 1;
    if (value instanceof Uint8Array) {
      binaries += 1;
      bytes += value.byteLength;
    } else if (typeof value === 'string') bytes += value.length * 3;
    else if (Array.isArray(value)) {
      bytes += 2;
      for (const item of value as unknown[]) stack.push(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        bytes += k.length * 3 + 4;
        stack.push(v);
      }
    } else bytes += 24;
  }
  return { binaries, bytes };
}

function mayBreakTransport(args: readonly unknown[]): boolean {
  const shape = payloadShape(args);
  return shape.binaries > SERVER_MAX_ATTACHMENTS || shape.bytes > MAX_CLIENT_SOCKET_MESSAGE_BYTES - 64 * 1024;
}

/** The valid request of each client event. */
function socketTemplate(event: ClientToServerEventName, fx: FuzzFixtures): unknown {
  switch (event) {
    case 'join':
      return { workspaceId: fx.workspaceId, positions: { 'doc:plan': { snapshotId: '', afterSeq: 0 }, chat: { snapshotId: '', afterSeq: 0 } } };
    case 'leave':
      return { workspaceId: fx.workspaceId };
    case 'push':
      return { envelope: fx.seal({ kind: 'update' }) };
    case 'snapshot':
      return { envelope: fx.seal({ kind: 'snapshot' }) };
    case 'presence':
      return { envelope: fx.seal({ kind: 'presence' }) };
    case 'fetch':
      return { workspaceId: fx.workspaceId, stream: 'chat', afterSeq: 0, limit: 10 };
  }
}

/**
 * An envelope as the protocol carries it: one encoded blob (socket.io sends a Buffer as one
 * binary attachment). Written here without encodeWireEnvelope's size checks, so that a
 * fuzzed envelope with parts of illegal sizes still travels in the shape the server parses.
 */
function wire(envelope: WireEnvelope): Buffer {
  const frame = Buffer.alloc(FRAMING_BYTES + envelope.header.length + envelope.nonce.length + envelope.signature.length + envelope.ciphertext.length);
  let at = frame.writeUInt8(WIRE_FORMAT, 0);
  at = frame.writeUInt16BE(envelope.header.length & 0xffff, at);
  for (const part of [envelope.header, envelope.nonce, envelope.signature]) {
    frame.set(part, at);
    at += part.length;
  }
  at = frame.writeUInt32BE(envelope.ciphertext.length, at);
  frame.set(envelope.ciphertext, at);
  return frame;
}

/** Format byte and length fields of the encoded envelope (crypto/src/envelope-format.ts). */
const WIRE_FORMAT = 1;
const FRAMING_BYTES = 7;
/** Offset of the ciphertext length field of an encoded envelope with this header length. */
const ciphertextLengthAt = (headerLength: number): number => 3 + headerLength + 12 + 64;

/**
 * A valid envelope's blob broken in its framing: cut short anywhere, trailing bytes,
 * length fields that point past the end or over the limits, another format byte, the
 * parts of the old four-field shape, garbage of any length, or far over the size limit.
 * Each must be refused in type (bad_request or too_large), never crash the server.
 */
function framingAttack(prng: Prng, fx: FuzzFixtures, as: SocketIdentity): SocketCase {
  const event = prng.pick(['push', 'snapshot', 'presence'] as const);
  const envelope = fx.seal({ kind: event === 'push' ? 'update' : event });
  const blob = wire(envelope);
  const headerLength = envelope.header.length;
  const attacks: (() => [string, unknown])[] = [
    () => ['truncated', blob.subarray(0, prng.int(0, blob.length - 1))],
    () => ['trailing bytes', Buffer.concat([blob, Buffer.from(prng.bytes(prng.pick([1, 2, 64, 4096])))])],
    () => {
      const copy = Buffer.from(blob);
      copy.writeUInt16BE(prng.pick([headerLength + 1, headerLength - 1, 0, 0xffff, 4096, 4097]), 1);
      return ['header length field', copy];
    },
    () => {
      const copy = Buffer.from(blob);
      const length = envelope.ciphertext.length;
      copy.writeUInt32BE(prng.pick([length + 1, length - 1, 0, 15, 0xffff_ffff, 4 * 1024 * 1024 + 1]), ciphertextLengthAt(headerLength));
      return ['ciphertext length field past the end', copy];
    },
    () => {
      const copy = Buffer.from(blob);
      copy.writeUInt8(prng.pick([0, 2, 0xff]), 0);
      return ['format byte', copy];
    },
    () => ['four-field object', { header: Buffer.from(envelope.header), nonce: Buffer.from(envelope.nonce), ciphertext: Buffer.from(envelope.ciphertext), signature: Buffer.from(envelope.signature) }],
    () => ['garbage', Buffer.from(prng.bytes(prng.pick([0, 1, 7, 100, 300, 20_000])))],
    () => ['over the limit', Buffer.concat([blob, Buffer.alloc(4 * 1024 * 1024 + 8192)])],
    () => ['blob as array', [...blob.subarray(0, 64)]],
    () => ['blob as base64', blob.toString('base64')],
  ];
  const [attack, value] = prng.pick(attacks)();
  const args = [{ envelope: value }];
  return { transport: 'socket', as, event, args, ack: true, mayDisconnect: mayBreakTransport(args), note: `${event}: envelope blob ${attack}` };
}

/** Header fields that are well-formed enough to be sealed and signed, yet wrong for the server. */
function brokenHeader(prng: Prng, fx: FuzzFixtures, kind: EnvelopeKind): [string, Partial<EnvelopeHeader>] {
  const options: (() => [string, Partial<EnvelopeHeader>])[] = [
    () => ['epoch', { epoch: prng.pick([2, 3, 1000, 0xffff_ffff]) }],
    () => ['clock', { clock: kind === 'snapshot' ? 0 : prng.pick([0, 2, 7, 2 ** 40, Number.MAX_SAFE_INTEGER]) }],
    () => ['workspace', { workspaceId: prng.pick([fx.otherWorkspaceId, 'nosuchworkspace', 'with space', '../x', 'x'.repeat(128), 'ä']) }],
    () => ['stream', { stream: prng.pick(['chat', 'presence', 'doc:plan', 'doc:../x', `doc:${'x'.repeat(100)}`, 'docs:plan', 'doc:', 'CHAT']) }],
    () => ['author', { author: prng.pick([fx.bob.ref, fx.carol.ref, { userId: 'nosuchuser', deviceId: 1 }, { userId: fx.alice.ref.userId, deviceId: 2 }]) }],
    () => ['snapshotId', { snapshotId: prng.pick(['nosuchsnapshot', 'x'.repeat(64), 'bad id', '']) }],
    () => ['sentAt', { sentAt: prng.pick([0, Number.MAX_SAFE_INTEGER]) }],
  ];
  if (kind === 'snapshot') {
    options.push(
      () => ['parentSnapshotId', { parentSnapshotId: prng.pick(['nosuchparent', 'fuzzsnap', 'x'.repeat(64)]) }],
      () => ['parentProof', { parentProof: prng.bytes(32) }],
      () => {
        const covered: Record<string, number> = {};
        const n = prng.pick([1, 10, 1024]);
        for (let i = 0; i < n; i++) covered[`user${i}.${prng.int(1, 127)}`] = prng.int(0, 2 ** 40);
        return ['coveredClocks', { coveredClocks: covered }];
      },
    );
  }
  return prng.pick(options)();
}

function semanticEnvelope(prng: Prng, fx: FuzzFixtures, as: SocketIdentity): SocketCase {
  const event = prng.pick(['push', 'snapshot', 'presence'] as const);
  const natural: EnvelopeKind = event === 'push' ? prng.pick(['update', 'chat'] as const) : event;
  // Now and then the kind does not belong to the event at all.
  const kind: EnvelopeKind = prng.chance(0.15) ? prng.pick(['update', 'chat', 'snapshot', 'presence'] as const) : natural;
  const [field, header] = brokenHeader(prng, fx, kind);
  const plaintextBytes = prng.chance(0.01) ? prng.pick([17_000, 1_000_000, 4 * 1024 * 1024 - 16]) : prng.int(0, 400);
  let envelope: WireEnvelope;
  try {
    envelope = fx.seal({ kind, ...header }, plaintextBytes);
  } catch {
    // The header rules refuse it already (encodeHeader): send the valid envelope with a flipped header byte instead.
    envelope = fx.seal({ kind });
    const flipped = Buffer.from(envelope.header);
    const at = prng.int(0, flipped.length - 1);
    flipped[at] = (flipped[at] ?? 0) ^ 0xff;
    envelope = { ...envelope, header: flipped };
  }
  const args = [{ envelope: wire(envelope) }];
  return { transport: 'socket', as, event, args, ack: true, mayDisconnect: mayBreakTransport(args), note: `${event}: sealed ${kind} with broken ${field}` };
}

function templateMutant(prng: Prng, fx: FuzzFixtures, as: SocketIdentity): SocketCase {
  const event = prng.pick(CLIENT_TO_SERVER_EVENTS);
  const template = socketTemplate(event, fx);
  const wired = typeof template === 'object' && template !== null && 'envelope' in template ? { envelope: wire((template as { envelope: WireEnvelope }).envelope) } : template;
  const mutated = mutateOnce(prng, wired, { binary: true, maxBytes: prng.chance(0.02) ? 5 * 1024 * 1024 : 70_000 });
  const args = [mutated.value];
  return { transport: 'socket', as, event, args, ack: true, mayDisconnect: mayBreakTransport(args), note: `${event}: ${mutated.note.path} ${mutated.note.attack}` };
}

function randomEvent(prng: Prng, fx: FuzzFixtures, as: SocketIdentity): SocketCase {
  const names = [...CLIENT_TO_SERVER_EVENTS, ...SERVER_TO_CLIENT_EVENTS, 'hasOwnProperty', 'toString', '__proto__', 'constructor', 'JOIN', 'join ', ''];
  const event = prng.chance(0.85) ? prng.pick(names) : hostileString(prng, 300);
  const count = prng.int(0, 3);
  const args = Array.from({ length: count }, () => hostileValue(prng, { binary: true, maxBytes: 40_000 }));
  const known = (CLIENT_TO_SERVER_EVENTS as readonly string[]).includes(event);
  // Wrong arity on a known event: the dispatcher must still answer through the ack.
  if (known && prng.chance(0.3)) args.push(socketTemplate(event as ClientToServerEventName, fx));
  const ack = prng.chance(0.8);
  return { transport: 'socket', as, event, args, ack, mayDisconnect: mayBreakTransport(args), note: `random event ${JSON.stringify(event).slice(0, 30)} with ${args.length} args${ack ? '' : ', no ack'}` };
}

function handshake(prng: Prng, fx: FuzzFixtures): HandshakeCase {
  const v = SOCKET_PROTOCOL_VERSION;
  const choices: (() => HandshakeCase)[] = [
    () => ({ transport: 'handshake', auth: { token: fx.alice.token, v }, valid: true, note: 'valid handshake' }),
    () => ({ transport: 'handshake', auth: { token: fx.alice.token, v: prng.pick([0, SOCKET_PROTOCOL_VERSION - 1, SOCKET_PROTOCOL_VERSION + 1, String(SOCKET_PROTOCOL_VERSION), null, 1.5]) }, valid: false, note: 'wrong version' }),
    () => ({ transport: 'handshake', auth: { v }, valid: false, note: 'no token' }),
    () => ({ transport: 'handshake', auth: { token: hostileString(prng, 500), v }, valid: false, note: 'hostile token' }),
    () => ({ transport: 'handshake', auth: { token: fx.alice.token, v, extra: 1 }, valid: false, note: 'extra key' }),
    // Another first character, so that the token surely differs (setting the last two to 'AA' did not when they already were).
    () => ({ transport: 'handshake', auth: { token: `${fx.alice.token.startsWith('A') ? 'B' : 'A'}${fx.alice.token.slice(1)}`, v }, valid: false, note: 'altered token' }),
    () => ({ transport: 'handshake', auth: { token: fx.adminToken, v }, valid: false, note: 'admin token as session token' }),
    () => {
      const auth = hostileValue(prng, { binary: false, maxBytes: 20_000 });
      return { transport: 'handshake', auth: typeof auth === 'object' && auth !== null ? auth : { auth }, valid: false, note: 'hostile auth' };
    },
  ];
  return prng.pick(choices)();
}

function rawFrames(prng: Prng, fx: FuzzFixtures): RawFramesCase {
  const as = prng.pick<SocketIdentity | 'none'>(['alice', 'carol', 'none']);
  const frames: (string | Uint8Array)[] = [];
  const n = prng.int(1, 4);
  for (let i = 0; i < n; i++) {
    const id = prng.int(0, 2 ** 31);
    frames.push(
      prng.pick<() => string | Uint8Array>([
        () => `42${id}["join",${JSON.stringify(socketTemplate('join', fx))}]`,
        () => `42${id}[${JSON.stringify(prng.pick(['join', 'disconnect', 'connect', 'connect_error', 'newListener', 'removeListener', 'error']))},{}]`,
        () => `42${id}${prng.pick(['', '[', '["join"', '{}', 'null', '[1]', '["push",', '[[]]', '["fetch",{"__proto__":{"x":1}}]'])}`,
        () => `45${prng.pick(['1', '11', '99999999', '-1', '', 'x'])}-${id}["push",{"envelope":{"header":{"_placeholder":true,"num":${prng.pick([0, 1, 10, -1, 1e9, '"0"', 'null'])}}}}]`,
        () => `4${prng.pick(['0', '1', '3', '4', '6', '7', '9', ''])}${hostileString(prng, 200)}`,
        () => prng.pick(['2', '3', '5', '6', '1', '9', '', '4', '40', '41', '0', '2probe']),
        () => prng.bytes(prng.length(2048)),
        () => Buffer.concat([Buffer.from('42["join",'), Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('"]')]),
        () => `42${id}["fetch",${'['.repeat(prng.pick([100, 5000]))}`,
      ])(),
    );
  }
  return { transport: 'raw', as, frames, note: `raw frames as ${as}` };
}

/** The socket-side case of a seed. */
export function socketCase(seed: number, fx: FuzzFixtures): SocketSideCase {
  const prng = new Prng(seed);
  const as = prng.pick<SocketIdentity>(['alice', 'alice', 'bob', 'carol', 'dave']);
  const kind = prng.weighted<string>([[45, 'mutant'], [22, 'semantic'], [15, 'random'], [8, 'handshake'], [10, 'raw']]);
  switch (kind) {
    case 'mutant':
      return templateMutant(prng, fx, as);
    case 'semantic':
      // Drawn after the kind, so that the seeds of every other kind keep their cases.
      return prng.chance(0.4) ? framingAttack(prng, fx, as) : semanticEnvelope(prng, fx, as);
    case 'random':
      return randomEvent(prng, fx, as);
    case 'handshake':
      return handshake(prng, fx);
    default:
      return rawFrames(prng, fx);
  }
}
