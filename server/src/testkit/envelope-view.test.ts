import { describe, expect, it } from 'vitest';
import { encodeWireEnvelope } from '@yhteispoyta/crypto/envelope';
import { envelopeNoticeSchema } from '@yhteispoyta/crypto/protocol';
import type { WireEnvelope } from '@yhteispoyta/crypto/types';
import { envelopesDecoded, envelopesEncoded } from './envelope-view.testkit';

const part = (length: number, fill: number) => new Uint8Array(length).fill(fill);
const envelope: WireEnvelope = { header: part(40, 1), nonce: part(12, 2), ciphertext: part(20, 3), signature: part(64, 4) };
const notice = (value: unknown) => ({ workspaceId: 'w1', stream: 'chat', stored: { seq: 3, envelope: value, receivedAt: 1_760_000_000_000 } });

describe('envelopes between their wire form and an interceptor\'s view', () => {
  it('encodes a legal envelope exactly as encodeWireEnvelope does, at any depth, and decodes it back', () => {
    const sent = envelopesEncoded({ streams: { chat: { snapshot: null, envelopes: [{ seq: 1, envelope, receivedAt: 1 }] } } }) as {
      streams: { chat: { envelopes: { envelope: Uint8Array }[] } };
    };
    const blob = sent.streams.chat.envelopes[0]?.envelope;
    expect(blob !== undefined && Buffer.from(blob).equals(Buffer.from(encodeWireEnvelope(envelope)))).toBe(true);
    expect(envelopesDecoded(envelopesEncoded(notice(envelope)))).toEqual(notice(envelope));
  });

  it('encodes an envelope with illegal part sizes too, so the receiver refuses the blob', () => {
    const oversized = envelopesEncoded(notice({ ...envelope, nonce: part(13, 2) })) as ReturnType<typeof notice>;
    expect(oversized.stored.envelope).toBeInstanceOf(Uint8Array);
    expect(envelopeNoticeSchema.safeParse(oversized).success).toBe(false);
  });

  it('leaves everything that is not an envelope as it is', () => {
    for (const value of ['garbage', null, { header: part(1, 0) }, [1, 2]]) expect(envelopesEncoded(notice(value))).toEqual(notice(value));
    const undecodable = notice(new Uint8Array([9, 9, 9]));
    expect(envelopesDecoded(undecodable)).toEqual(undecodable);
  });
});
