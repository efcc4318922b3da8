/**
 * The relay's packet parser: a packet with attachments is one frame and decodes to what
 * socket.io-parser would give; text packets are socket.io-parser's; hostile frames throw
 * (socket.io then closes the connection) and never leave the decoder expecting more.
 */
import { describe, expect, it } from 'vitest';
import * as socketParser from 'socket.io-parser';
import { MAX_ANSWER_ATTACHMENTS } from './socket-payloads';
import { combineParts, relayParser, splitFrame } from './socket-frames';

type Packet = socketParser.Packet;

function decodeAll(frames: readonly unknown[]): Packet[] {
  const decoder = new relayParser.Decoder();
  const out: Packet[] = [];
  decoder.on('decoded', (packet: Packet) => out.push(packet));
  for (const frame of frames) decoder.add(frame);
  return out;
}

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('relay packet parser', () => {
  it('sends a packet with attachments as one binary frame that decodes to the same packet', () => {
    const packet: Packet = { type: socketParser.PacketType.EVENT, nsp: '/', id: 7, data: ['push', { envelope: Buffer.from([1, 2, 3]), more: [Buffer.from([]), Buffer.from([9])] }] };
    const frames = new relayParser.Encoder().encode(packet);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toBeInstanceOf(Uint8Array);
    const [decoded] = decodeAll(frames);
    expect(decoded?.type).toBe(socketParser.PacketType.EVENT);
    expect(decoded?.id).toBe(7);
    const [event, body] = decoded?.data as [string, { envelope: Uint8Array; more: Uint8Array[] }];
    expect(event).toBe('push');
    expect([...body.envelope]).toEqual([1, 2, 3]);
    expect(body.more.map((b) => [...b])).toEqual([[], [9]]);
  });

  it('keeps text packets as socket.io-parser writes them', () => {
    const packet: Packet = { type: socketParser.PacketType.ACK, nsp: '/', id: 3, data: [{ ok: true, seq: 12 }] };
    const frames = new relayParser.Encoder().encode(packet);
    expect(frames).toEqual(new socketParser.Encoder().encode(packet));
    expect(decodeAll(frames)[0]?.data).toEqual([{ ok: true, seq: 12 }]);
  });

  it('decodes frames given as ArrayBuffers and as views at an offset', () => {
    const [frame] = new relayParser.Encoder().encode({ type: socketParser.PacketType.EVENT, nsp: '/', data: ['x', Buffer.from([5, 6])] }) as [Uint8Array];
    const padded = new Uint8Array(frame.byteLength + 3);
    padded.set(frame, 3);
    for (const given of [frame.slice().buffer, padded.subarray(3)]) {
      const [decoded] = decodeAll([given]);
      expect([...(decoded?.data as [string, Uint8Array])[1]]).toEqual([5, 6]);
    }
  });

  it('refuses binary packets in several frames, frames that do not parse exactly, and too many attachments', () => {
    const stockParts = new socketParser.Encoder().encode({ type: socketParser.PacketType.EVENT, nsp: '/', data: ['push', Buffer.from([1])] });
    // socket.io-parser's own two-frame form: the announcing text frame is refused at once.
    expect(() => decodeAll(stockParts)).toThrow(/one frame/);
    const good = combineParts(stockParts);
    const cases: Uint8Array[] = [
      new Uint8Array(0),
      bytes(2, ...good.subarray(1)), // another format byte
      good.subarray(0, good.byteLength - 1), // cut short
      Uint8Array.from([...good, 0]), // a byte left over
      Uint8Array.from([...good, 0, 0, 0, 1, 7]), // an attachment more than announced
      combineParts(['51-["push",{"_placeholder":true,"num":0}]']), // announced, none given
      combineParts(['2["push",1]', bytes(1)]), // a text packet with a body
      bytes(1, 0xff, 0xff, 0xff, 0xff), // a header length past the end
      bytes(1, 0, 0, 0, 2, 0xc3, 0x28), // a header that is not UTF-8
      combineParts([`5${MAX_ANSWER_ATTACHMENTS + 1}-["x"]`, ...Array.from({ length: MAX_ANSWER_ATTACHMENTS + 1 }, () => bytes(1))]),
    ];
    for (const frame of cases) expect(() => decodeAll([frame]), `frame ${[...frame.subarray(0, 12)]}`).toThrow();
    expect(() => decodeAll([{ not: 'bytes' }])).toThrow();
    // None of those left a decoder waiting: a fresh one decodes the good frame.
    expect(decodeAll([good])).toHaveLength(1);
  });

  it('never throws anything but an Error on random frames, and never decodes half a packet', () => {
    let seed = 1234567;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const good = combineParts(new socketParser.Encoder().encode({ type: socketParser.PacketType.EVENT, nsp: '/', data: ['push', Buffer.from([1, 2])] }));
    for (let i = 0; i < 2000; i++) {
      const frame = good.slice();
      for (let flips = 1 + Math.floor(random() * 3); flips > 0; flips--) frame[Math.floor(random() * frame.byteLength)] = Math.floor(random() * 256);
      const decoder = new relayParser.Decoder();
      let decoded = 0;
      decoder.on('decoded', () => decoded++);
      try {
        decoder.add(frame);
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
      }
      expect(decoded).toBeLessThanOrEqual(1);
    }
  });

  it('splits only what it combined', () => {
    const parts = ['52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]', bytes(1, 2), bytes()];
    const split = splitFrame(combineParts(parts), 10);
    expect(split?.header).toBe(parts[0]);
    expect(split?.attachments.map((a) => [...a])).toEqual([[1, 2], []]);
    expect(splitFrame(combineParts(parts), 1)).toBeUndefined();
  });
});
