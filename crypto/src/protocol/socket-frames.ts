/**
 * The socket.io packet parser both ends of the relay use (server, agents, bench devices,
 * the hostile relay's bridge): socket.io-parser's encoding, except that a packet with
 * binary attachments — every envelope travels as one (socket.ts) — is ONE binary WebSocket
 * frame instead of a text frame followed by one frame per attachment. The fan-out of an
 * envelope to N receivers is then N writes, not 2N, and a receiver reassembles nothing
 * across frames.
 *
 *   frame = u8 FRAME_FORMAT ‖ u32 header length ‖ header ‖ (u32 length ‖ attachment)*
 *
 * `header` is socket.io-parser's own text for the packet (`51-["push",{"_placeholder":…}]`),
 * which names how many attachments follow. Packets without binary stay socket.io-parser's
 * text frames. Hostile input never leaves the decoder half-way: a frame that does not
 * parse exactly, a binary packet announced in a text frame, or more attachments than
 * MAX_ANSWER_ATTACHMENTS throw, which makes socket.io close that connection — as
 * socket.io-parser does with packets it cannot decode.
 */
import * as socketParser from 'socket.io-parser';
import { MAX_ANSWER_ATTACHMENTS } from './socket-payloads';

/** First byte of a combined frame: the layout above. */
const FRAME_FORMAT = 1;

/** A binary packet's text announces its attachments: `5<n>-…` (event) or `6<n>-…` (ack). */
const BINARY_HEADER = /^[56](\d{1,6})-/;

function asBytes(part: unknown): Uint8Array {
  if (part instanceof Uint8Array) return part;
  if (part instanceof ArrayBuffer) return new Uint8Array(part);
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
  throw new TypeError('a socket.io attachment that is not bytes');
}

/** socket.io-parser's parts of one packet (text, then attachments) as one frame. */
export function combineParts(parts: readonly unknown[]): Uint8Array {
  const [header, ...attachments] = parts;
  if (typeof header !== 'string') throw new TypeError('socket.io-parser gave no text part');
  const headerBytes = new TextEncoder().encode(header);
  const bodies = attachments.map(asBytes);
  const frame = new Uint8Array(1 + 4 + headerBytes.byteLength + bodies.reduce((sum, b) => sum + 4 + b.byteLength, 0));
  const view = new DataView(frame.buffer);
  frame[0] = FRAME_FORMAT;
  view.setUint32(1, headerBytes.byteLength);
  frame.set(headerBytes, 5);
  let offset = 5 + headerBytes.byteLength;
  for (const body of bodies) {
    view.setUint32(offset, body.byteLength);
    frame.set(body, offset + 4);
    offset += 4 + body.byteLength;
  }
  return frame;
}

/**
 * A combined frame split back into socket.io-parser's parts, or undefined when it is not
 * one exactly (wrong format byte, a length past the end, bytes left over, an attachment
 * count other than the header's, more than `maxAttachments`). Attachments are views into
 * `frame`, not copies.
 */
export function splitFrame(frame: Uint8Array, maxAttachments: number): { header: string; attachments: Uint8Array[] } | undefined {
  if (frame.byteLength < 5 || frame[0] !== FRAME_FORMAT) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const headerLength = view.getUint32(1);
  if (5 + headerLength > frame.byteLength) return undefined;
  let header: string;
  try {
    header = new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(5, 5 + headerLength));
  } catch {
    return undefined;
  }
  const announced = BINARY_HEADER.exec(header);
  const count = announced === null ? Number.NaN : Number(announced[1]);
  if (!Number.isInteger(count) || count < 1 || count > maxAttachments) return undefined;
  const attachments: Uint8Array[] = [];
  let offset = 5 + headerLength;
  while (offset < frame.byteLength) {
    if (offset + 4 > frame.byteLength || attachments.length >= count) return undefined;
    const length = view.getUint32(offset);
    if (offset + 4 + length > frame.byteLength) return undefined;
    attachments.push(frame.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return attachments.length === count ? { header, attachments } : undefined;
}

/** Encodes a binary packet as one frame (see the module comment). */
class FrameEncoder extends socketParser.Encoder {
  override encode(packet: socketParser.Packet): unknown[] {
    const parts = super.encode(packet) as unknown[];
    return parts.length === 1 ? parts : [combineParts(parts)];
  }
}

/** Decodes text packets as socket.io-parser does and binary packets from one frame. */
class FrameDecoder extends socketParser.Decoder {
  constructor() {
    // The largest answers (a join) carry one attachment per envelope.
    super({ maxAttachments: MAX_ANSWER_ATTACHMENTS });
  }

  override add(chunk: unknown): void {
    if (typeof chunk === 'string') {
      // Binary packets come whole in one frame: a text frame announcing attachments is not this protocol.
      if (BINARY_HEADER.test(chunk)) throw new Error('a binary packet must come in one frame');
      super.add(chunk);
      return;
    }
    if (!(chunk instanceof ArrayBuffer || ArrayBuffer.isView(chunk))) throw new Error('a frame that is neither text nor bytes');
    const split = splitFrame(asBytes(chunk), MAX_ANSWER_ATTACHMENTS);
    if (split === undefined) throw new Error('a binary frame that does not parse');
    // socket.io-parser reassembles the packet from its own parts, all of them given at once.
    super.add(split.header);
    for (const attachment of split.attachments) super.add(attachment);
  }
}

/** For socket.io's and socket.io-client's `parser` option. */
export const relayParser = { ...socketParser, Encoder: FrameEncoder, Decoder: FrameDecoder };
