import { describe, expect, it } from 'vitest';
import { toBase64, utf8 } from '@yhteispoyta/crypto/bytes';
import { decodeHeartbeat, encodeHeartbeat } from './heartbeat-codec';

const logHead = { treeSize: 7, rootHash: 'ab'.repeat(32), timestamp: 1_764_000_000_000, signature: toBase64(new Uint8Array(64).fill(3)) };

describe('heartbeat plaintext', () => {
  it('round-trips clocks and a log head, or none', () => {
    const beat = { clocks: { chat: 4, 'doc:plan': 12 }, logHead };
    expect(decodeHeartbeat(encodeHeartbeat(beat))).toEqual(beat);
    expect(decodeHeartbeat(encodeHeartbeat({ clocks: {}, logHead: null }))).toEqual({ clocks: {}, logHead: null });
  });

  it('refuses what is not a heartbeat, never throwing', () => {
    const bad = [
      '', 'null', '{}', '{"v":2,"clocks":{},"logHead":null}', '{"v":1,"clocks":{"chat":-1},"logHead":null}',
      '{"v":1,"clocks":{"chat":1.5},"logHead":null}', '{"v":1,"clocks":{},"logHead":null,"extra":1}',
      `{"v":1,"clocks":{},"logHead":${JSON.stringify({ ...logHead, signature: 'x' })}}`,
    ];
    for (const text of bad) expect(decodeHeartbeat(utf8(text)), text).toBeUndefined();
    expect(decodeHeartbeat(new Uint8Array([0xff, 0xfe]))).toBeUndefined();
  });
});
