import { describe, expect, it } from 'vitest';
import { fromBase64, fromUtf8, randomBytes, toBase64, utf8 } from './bytes';
import type { DeviceIdentity } from './identity';
import { generateDeviceIdentity } from './identity';
import { identityStatus } from './identity-store';
import { MemorySignalStores, bundleFromUpload, installPrekeys } from './memory-stores';
import { generatePrekeys } from './prekeys';
import type { DecryptFailure } from './sessions';
import { MAX_CONTROL_BODY_CHARS, MAX_CONTROL_PLAINTEXT_BYTES, decryptControl, encryptControl, establishSession, hasSession } from './sessions';
import type { ControlMessage, DeviceRef, PrekeyUpload } from './types';

interface Device {
  readonly ref: DeviceRef;
  readonly identity: DeviceIdentity;
  readonly stores: MemorySignalStores;
  readonly upload: PrekeyUpload;
}

async function makeDevice(userId: string, deviceId: number, firstIds = 1): Promise<Device> {
  const identity = generateDeviceIdentity(deviceId);
  const stores = new MemorySignalStores(identity);
  const { records, upload } = generatePrekeys(identity, {
    signedPreKeyId: firstIds,
    lastResortKyberId: firstIds,
    firstPreKeyId: firstIds,
    firstKyberId: firstIds + 1,
    count: 3,
  });
  await installPrekeys(stores, records);
  return { ref: { userId, deviceId }, identity, stores, upload };
}

async function connect(from: Device, to: Device, take: { preKeyIndex?: number; kyberIndex?: number } = { preKeyIndex: 0, kyberIndex: 0 }): Promise<void> {
  const result = await establishSession(from.stores, from.ref, bundleFromUpload(to.ref.userId, to.upload, take));
  expect(result).toEqual({ ok: true, remote: to.ref });
}

async function send(from: Device, to: Device, text: string): Promise<ControlMessage> {
  const result = await encryptControl(from.stores, from.ref, to.ref, utf8(text));
  if (!result.ok) throw new Error(`encrypt failed: ${result.code} ${result.detail}`);
  return result.message;
}

async function receive(to: Device, from: Device, message: unknown): Promise<string | DecryptFailure> {
  const result = await decryptControl(to.stores, to.ref, from.ref, message);
  return result.ok ? fromUtf8(result.plaintext) : result;
}

describe('pairwise sessions', () => {
  it('round-trips both ways: prekey first, signal after the reply', async () => {
    const anna = await makeDevice('anna', 1);
    const ben = await makeDevice('ben', 1);
    expect(await hasSession(anna.stores, ben.ref)).toBe(false);
    await connect(anna, ben);
    expect(await hasSession(anna.stores, ben.ref)).toBe(true);

    const first = await send(anna, ben, 'hello ben');
    expect(first.kind).toBe('prekey');
    expect(await receive(ben, anna, first)).toBe('hello ben');
    // The one-time prekeys in the bundle are consumed by the first message.
    expect(ben.stores.preKey.has(1)).toBe(false);
    expect(ben.stores.kyberPreKey.has(2)).toBe(false);

    const reply = await send(ben, anna, 'hello anna');
    expect(reply.kind).toBe('signal');
    expect(await receive(anna, ben, reply)).toBe('hello anna');

    const next = await send(anna, ben, 'second');
    expect(next.kind).toBe('signal');
    expect(await receive(ben, anna, next)).toBe('second');
  });

  it('decrypts out-of-order delivery (3, 1, 2) of prekey and of signal messages', async () => {
    const anna = await makeDevice('anna', 1);
    const ben = await makeDevice('ben', 1);
    await connect(anna, ben);
    const early = [await send(anna, ben, 'one'), await send(anna, ben, 'two'), await send(anna, ben, 'three')];
    expect(early.map((m) => m.kind)).toEqual(['prekey', 'prekey', 'prekey']);
    expect(await receive(ben, anna, early[2])).toBe('three');
    expect(await receive(ben, anna, early[0])).toBe('one');
    expect(await receive(ben, anna, early[1])).toBe('two');

    expect(await receive(anna, ben, await send(ben, anna, 'ack'))).toBe('ack');
    const later = [await send(anna, ben, 'four'), await send(anna, ben, 'five'), await send(anna, ben, 'six')];
    expect(later.map((m) => m.kind)).toEqual(['signal', 'signal', 'signal']);
    expect(await receive(ben, anna, later[2])).toBe('six');
    expect(await receive(ben, anna, later[0])).toBe('four');
    expect(await receive(ben, anna, later[1])).toBe('five');
  });

  it('reports duplicated delivery as duplicate', async () => {
    const anna = await makeDevice('anna', 1);
    const ben = await makeDevice('ben', 1);
    await connect(anna, ben);
    const first = await send(anna, ben, 'once');
    expect(await receive(ben, anna, first)).toBe('once');
    expect(await receive(ben, anna, first)).toMatchObject({ ok: false, code: 'duplicate' });

    const reply = await send(ben, anna, 'reply');
    expect(await receive(anna, ben, reply)).toBe('reply');
    expect(await receive(anna, ben, reply)).toMatchObject({ ok: false, code: 'duplicate' });
  });

  it('turns garbage, truncation and tampering into typed failures without throwing', async () => {
    const anna = await makeDevice('anna', 1);
    const ben = await makeDevice('ben', 1);
    await connect(anna, ben);
    const first = await send(anna, ben, 'first');
    expect(await receive(ben, anna, first)).toBe('first');
    expect(await receive(anna, ben, await send(ben, anna, 'reply'))).toBe('reply');
    const signal = await send(anna, ben, 'later');
    const body = fromBase64(signal.body)!;
    const flipped = body.slice();
    const at = flipped.length - 12;
    flipped[at] = (flipped[at] ?? 0) ^ 0x01;

    const cases: [unknown, readonly string[]][] = [
      [null, ['malformed']],
      ['text', ['malformed']],
      [{ kind: 'signal' }, ['malformed']],
      [{ kind: 'other', body: signal.body }, ['malformed']],
      [{ kind: 'signal', body: 'not base64!' }, ['malformed']],
      [{ kind: 'signal', body: '' }, ['malformed']],
      [{ kind: 'signal', body: 'A'.repeat(70_000) }, ['malformed']],
      [{ kind: 'signal', body: toBase64(new Uint8Array([1, 2, 3])) }, ['malformed']],
      [{ kind: 'prekey', body: toBase64(new Uint8Array([0x33, 2, 3])) }, ['malformed']],
      [{ kind: 'signal', body: toBase64(body.slice(0, body.length - 5)) }, ['malformed', 'invalid_message']],
      [{ kind: 'signal', body: toBase64(body.slice(0, 20)) }, ['malformed', 'invalid_message']],
      [{ kind: 'signal', body: toBase64(flipped) }, ['malformed', 'invalid_message']],
      [{ kind: 'prekey', body: signal.body }, ['malformed', 'invalid_message']],
      [{ kind: 'prekey', body: toBase64(fromBase64(first.body)!.slice(0, 60)) }, ['malformed', 'invalid_message']],
    ];
    for (let i = 0; i < 40; i++) {
      cases.push([{ kind: i % 2 ? 'signal' : 'prekey', body: toBase64(randomBytes(1 + i * 17)) }, ['malformed', 'invalid_message', 'invalid_key']]);
    }
    for (const [input, codes] of cases) {
      const result = await receive(ben, anna, input);
      expect(typeof result, JSON.stringify(input)?.slice(0, 80)).toBe('object');
      expect(codes).toContain((result as DecryptFailure).code);
    }
    // The session survived all of it.
    expect(await receive(ben, anna, signal)).toBe('later');
  });

  it('carries the largest allowed plaintext within the body limit and refuses a larger one', async () => {
    const anna = await makeDevice('anna', 1);
    const ben = await makeDevice('ben', 1);
    await connect(anna, ben);
    const largest = randomBytes(MAX_CONTROL_PLAINTEXT_BYTES);
    expect(await encryptControl(anna.stores, anna.ref, ben.ref, randomBytes(MAX_CONTROL_PLAINTEXT_BYTES + 1))).toMatchObject({
      ok: false,
      code: 'too_large',
    });
    // Prekey messages (first contact) and signal messages (after a reply) both fit.
    for (let round = 0; round < 3; round++) {
      const sent = await encryptControl(anna.stores, anna.ref, ben.ref, largest);
      if (!sent.ok) throw new Error(`encrypt failed: ${sent.code}`);
      expect(sent.message.body.length).toBeLessThanOrEqual(MAX_CONTROL_BODY_CHARS);
      const received = await decryptControl(ben.stores, ben.ref, anna.ref, sent.message);
      expect(received.ok && received.plaintext.byteLength).toBe(MAX_CONTROL_PLAINTEXT_BYTES);
      const reply = await encryptControl(ben.stores, ben.ref, anna.ref, largest);
      if (!reply.ok) throw new Error(`encrypt failed: ${reply.code}`);
      expect(reply.message.body.length).toBeLessThanOrEqual(MAX_CONTROL_BODY_CHARS);
      expect((await decryptControl(anna.stores, anna.ref, ben.ref, reply.message)).ok).toBe(true);
    }
  });

  it('refuses invalid device references with malformed', async () => {
    const anna = await makeDevice('anna', 1);
    const message = { kind: 'signal', body: toBase64(new Uint8Array(40)) };
    for (const remote of [{ userId: 'x', deviceId: 0 }, { userId: 'a.b', deviceId: 1 }, anna.ref]) {
      expect(await decryptControl(anna.stores, anna.ref, remote, message)).toMatchObject({ ok: false, code: 'malformed' });
      expect(await encryptControl(anna.stores, anna.ref, remote, utf8('x'))).toMatchObject({ ok: false, code: 'malformed' });
    }
  });

  it('reports a missing session when sending or receiving', async () => {
    const anna = await makeDevice('anna', 1);
    const ben = await makeDevice('ben', 1);
    const carl = await makeDevice('carl', 1);
    expect(await encryptControl(anna.stores, anna.ref, ben.ref, utf8('x'))).toMatchObject({ ok: false, code: 'no_session' });
    await connect(anna, ben);
    expect(await receive(ben, anna, await send(anna, ben, 'hi'))).toBe('hi');
    expect(await receive(anna, ben, await send(ben, anna, 'ok'))).toBe('ok');
    // A signal message reaching a device that never had a session with its sender.
    expect(await receive(carl, anna, await send(anna, ben, 'for ben'))).toMatchObject({ ok: false, code: 'no_session' });
  });

  it('reports a first message needing a prekey the device does not hold as invalid_key', async () => {
    const anna = await makeDevice('anna', 1);
    const ben = await makeDevice('ben', 1);
    await connect(anna, ben);
    const first = await send(anna, ben, 'hi');
    // Ben reinstalled with other prekey ids before the message arrived.
    const benAgain = { ...(await makeDevice('ben', 1, 50)), ref: ben.ref };
    expect(await receive(benAgain, anna, first)).toMatchObject({ ok: false, code: 'invalid_key' });
  });

  it('establishes a session from an exhausted bundle (no one-time EC prekey, last-resort Kyber)', async () => {
    const anna = await makeDevice('anna', 1);
    const ben = await makeDevice('ben', 1);
    await connect(anna, ben, {});
    const first = await send(anna, ben, 'via last resort');
    expect(first.kind).toBe('prekey');
    expect(await receive(ben, anna, first)).toBe('via last resort');
    // The last-resort key stays for the next sender; the unused one-time keys are untouched.
    expect(ben.stores.kyberPreKey.has(1)).toBe(true);
    expect(ben.stores.preKey.has(1)).toBe(true);
    const carl = await makeDevice('carl', 1);
    await connect(carl, ben, {});
    expect(await receive(ben, carl, await send(carl, ben, 'me too'))).toBe('me too');
  });

  it('refuses to build a session from a bundle with a bad signature', async () => {
    const anna = await makeDevice('anna', 1);
    const ben = await makeDevice('ben', 1);
    const bundle = bundleFromUpload('ben', ben.upload, { preKeyIndex: 0 });
    const tampered = { ...bundle, kyberPreKey: { ...bundle.kyberPreKey, signature: bundle.signedPreKey.signature } };
    expect(await establishSession(anna.stores, anna.ref, tampered)).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(await establishSession(anna.stores, anna.ref, { ...bundle, device: anna.ref })).toMatchObject({ ok: false, code: 'malformed' });
    expect(await hasSession(anna.stores, ben.ref)).toBe(false);
  });
});

describe('identity changes', () => {
  it('reports a reinstalled peer as identity_changed when establishing, until accepted', async () => {
    const anna = await makeDevice('anna', 1);
    const ben = await makeDevice('ben', 1);
    await connect(anna, ben);
    expect(await receive(ben, anna, await send(anna, ben, 'before'))).toBe('before');

    const benReinstalled = await makeDevice('ben', 1);
    const bundle = bundleFromUpload('ben', benReinstalled.upload, { preKeyIndex: 0, kyberIndex: 0 });
    const refused = await establishSession(anna.stores, anna.ref, bundle);
    expect(refused).toMatchObject({ ok: false, code: 'identity_changed', remote: ben.ref, newIdentityKey: benReinstalled.upload.identityKey });
    const newKey = benReinstalled.identity.identityKeyPair.publicKey;
    expect(await identityStatus(anna.stores.identity, ben.ref, newKey)).toBe('changed');

    await anna.stores.identity.acceptIdentityChange(ben.ref, newKey);
    await connect(anna, benReinstalled);
    expect(await receive(benReinstalled, anna, await send(anna, benReinstalled, 'after'))).toBe('after');
  });

  it('reports a message from a reinstalled peer as identity_changed, and decrypts it once accepted', async () => {
    const anna = await makeDevice('anna', 1);
    const ben = await makeDevice('ben', 1);
    await connect(ben, anna);
    expect(await receive(anna, ben, await send(ben, anna, 'before'))).toBe('before');

    const benReinstalled = await makeDevice('ben', 1);
    await connect(benReinstalled, anna, { preKeyIndex: 1, kyberIndex: 1 });
    const message = await send(benReinstalled, anna, 'new install');
    const refused = await receive(anna, benReinstalled, message);
    expect(refused).toMatchObject({
      ok: false,
      code: 'identity_changed',
      remote: ben.ref,
      newIdentityKey: benReinstalled.upload.identityKey,
    });
    // Nothing was trusted: the old key is still on record.
    const oldKey = ben.identity.identityKeyPair.publicKey;
    expect(await identityStatus(anna.stores.identity, ben.ref, oldKey)).toBe('same');

    await anna.stores.identity.acceptIdentityChange(ben.ref, benReinstalled.identity.identityKeyPair.publicKey);
    expect(await receive(anna, benReinstalled, message)).toBe('new install');
  });
});
