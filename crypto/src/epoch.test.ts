import { describe, expect, it } from 'vitest';
import { bytesEqual, canonicalJson, toBase64, utf8 } from './bytes';
import { EPOCH_KEY_BYTES, encodeEpochKeyPayload, generateEpochKey, parseEpochKeyPayload, unwrapEpochKey, wrapEpochKey } from './epoch';
import { generateDeviceIdentity } from './identity';
import { MemorySignalStores, bundleFromUpload, installPrekeys } from './memory-stores';
import { generatePrekeys } from './prekeys';
import { encryptControl, establishSession } from './sessions';
import type { DeviceRef, PrekeyUpload } from './types';

interface Device {
  readonly ref: DeviceRef;
  readonly stores: MemorySignalStores;
  readonly upload: PrekeyUpload;
}

async function makeDevice(userId: string, deviceId: number): Promise<Device> {
  const identity = generateDeviceIdentity(deviceId);
  const stores = new MemorySignalStores(identity);
  const { records, upload } = generatePrekeys(identity, { signedPreKeyId: 1, lastResortKyberId: 1, firstPreKeyId: 1, firstKyberId: 2, count: 2 });
  await installPrekeys(stores, records);
  return { ref: { userId, deviceId }, stores, upload };
}

async function connect(from: Device, to: Device): Promise<void> {
  const bundle = bundleFromUpload(to.ref.userId, to.upload, { preKeyIndex: 0, kyberIndex: 0 });
  expect(await establishSession(from.stores, from.ref, bundle)).toMatchObject({ ok: true });
}

describe('epoch keys', () => {
  it('generates distinct 32-byte keys', () => {
    const a = generateEpochKey();
    const b = generateEpochKey();
    expect(a.byteLength).toBe(EPOCH_KEY_BYTES);
    expect(bytesEqual(a, b)).toBe(false);
  });

  it('wraps for two recipient devices, each unwraps the same key; a third device cannot', async () => {
    const anna = await makeDevice('anna', 1);
    const benPhone = await makeDevice('ben', 1);
    const benLaptop = await makeDevice('ben', 2);
    const eve = await makeDevice('eve', 1);
    await connect(anna, benPhone);
    await connect(anna, benLaptop);
    await connect(anna, eve);

    const key = generateEpochKey();
    const grant = { workspaceId: 'ws-42', epoch: 3, key };
    const toPhone = await wrapEpochKey(anna.stores, anna.ref, benPhone.ref, grant);
    const toLaptop = await wrapEpochKey(anna.stores, anna.ref, benLaptop.ref, grant);
    if (!toPhone.ok || !toLaptop.ok) throw new Error('wrap failed');
    expect(toPhone.message.body).not.toBe(toLaptop.message.body);
    // The key never appears in the clear on the wire.
    expect(toPhone.message.body.includes(toBase64(key))).toBe(false);

    for (const [device, message] of [[benPhone, toPhone.message], [benLaptop, toLaptop.message]] as const) {
      const unwrapped = await unwrapEpochKey(device.stores, device.ref, anna.ref, message);
      expect(unwrapped).toMatchObject({ ok: true, workspaceId: 'ws-42', epoch: 3 });
      expect(unwrapped.ok && bytesEqual(unwrapped.key, key)).toBe(true);
    }

    // Eve has her own session with Anna, yet a message for Ben's phone does not open for her.
    const stolen = await unwrapEpochKey(eve.stores, eve.ref, anna.ref, toPhone.message);
    expect(stolen.ok).toBe(false);
    // Nor does it open for Ben's laptop (a different device of the right user).
    const crossed = await unwrapEpochKey(benLaptop.stores, benLaptop.ref, anna.ref, toPhone.message);
    expect(crossed.ok).toBe(false);
  });

  it('reports a control message that is not an epoch-key payload as malformed', async () => {
    const anna = await makeDevice('anna', 1);
    const ben = await makeDevice('ben', 1);
    await connect(anna, ben);
    const notAGrant = await encryptControl(anna.stores, anna.ref, ben.ref, utf8(canonicalJson({ t: 'epoch_key', v: 1, workspaceId: 'w', epoch: 1, key: 'AAAA' })));
    if (!notAGrant.ok) throw new Error('encrypt failed');
    expect(await unwrapEpochKey(ben.stores, ben.ref, anna.ref, notAGrant.message)).toMatchObject({ ok: false, code: 'malformed' });
    expect(await unwrapEpochKey(ben.stores, ben.ref, anna.ref, { kind: 'signal' })).toMatchObject({ ok: false, code: 'malformed' });
  });

  it('refuses to wrap an invalid grant', async () => {
    const anna = await makeDevice('anna', 1);
    const ben = await makeDevice('ben', 1);
    await connect(anna, ben);
    const key = generateEpochKey();
    for (const grant of [
      { workspaceId: 'w', epoch: 1, key: key.slice(0, 31) },
      { workspaceId: '', epoch: 1, key },
      { workspaceId: 'w', epoch: -1, key },
      { workspaceId: 'w', epoch: 1.5, key },
    ]) {
      expect(await wrapEpochKey(anna.stores, anna.ref, ben.ref, grant)).toMatchObject({ ok: false, code: 'malformed' });
    }
    expect(await wrapEpochKey(anna.stores, anna.ref, { userId: 'carl', deviceId: 1 }, { workspaceId: 'w', epoch: 1, key })).toMatchObject({
      ok: false,
      code: 'no_session',
    });
  });

  it('parses only well-formed payloads', () => {
    const key = generateEpochKey();
    const payload = encodeEpochKeyPayload({ workspaceId: 'w', epoch: 0, key });
    expect(parseEpochKeyPayload(payload)).toMatchObject({ workspaceId: 'w', epoch: 0 });
    const valid = { t: 'epoch_key', v: 1, workspaceId: 'w', epoch: 0, key: toBase64(key) };
    for (const bad of [
      { ...valid, t: 'other' },
      { ...valid, v: 2 },
      { ...valid, key: toBase64(key.slice(0, 16)) },
      { ...valid, epoch: '1' },
      { ...valid, extra: true },
    ]) {
      expect(parseEpochKeyPayload(utf8(JSON.stringify(bad)))).toBeUndefined();
    }
    expect(parseEpochKeyPayload(new Uint8Array([0xff, 0x00]))).toBeUndefined();
    expect(parseEpochKeyPayload(utf8('not json'))).toBeUndefined();
  });

  it('carries client names with their salts, and refuses malformed ones', () => {
    const key = generateEpochKey();
    const salt = new Uint8Array(16).fill(9);
    const payload = encodeEpochKeyPayload({ workspaceId: 'ws-1', epoch: 2, key, names: [{ userId: 'matti', name: 'Matti Meikäläinen', salt }] });
    const parsed = parseEpochKeyPayload(payload);
    expect(parsed?.names).toEqual([{ userId: 'matti', name: 'Matti Meikäläinen', salt }]);
    expect(parseEpochKeyPayload(encodeEpochKeyPayload({ workspaceId: 'ws-1', epoch: 2, key }))?.names).toBeUndefined();
    const base = { t: 'epoch_key', v: 1, workspaceId: 'ws-1', epoch: 2, key: toBase64(key) };
    for (const names of [[], [{ userId: 'matti', name: '', salt: toBase64(salt) }], [{ userId: 'matti', name: 'M', salt: toBase64(new Uint8Array(8)) }], [{ userId: 'a.b', name: 'M', salt: toBase64(salt) }]]) {
      expect(parseEpochKeyPayload(utf8(canonicalJson({ ...base, names } as never)))).toBeUndefined();
    }
  });
});
