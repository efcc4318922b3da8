import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from '@yhteispoyta/crypto/bytes';
import type { TransferProgress } from '../contracts';
import { SyncWorld } from '../sync/testkit/sync-world';
import { ATTACHMENT_CHUNK_BYTES, ciphertextSize } from './attachment-cipher';
import { AttachmentError } from './attachment-transfer';
import { paddedBlobSize } from './blob-padding';

let world: SyncWorld | undefined;
let WS = '';

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function shared() {
  const w = await SyncWorld.create(['anna', 'ben']);
  world = w;
  WS = w.workspaceId;
  const [a, b] = [w.agent('anna'), w.agent('ben')];
  await a.sync.chat.list(WS);
  await b.sync.chat.list(WS);
  await w.settle();
  const bytes = randomBytes(2 * ATTACHMENT_CHUNK_BYTES + 1234);
  const progress: TransferProgress[] = [];
  a.sync.chat.onProgress((p) => progress.push(p));
  const ref = await a.sync.chat.uploadAttachment(WS, { name: 'vuokrasopimus.pdf', type: 'application/pdf', bytes }, 'up-1');
  await a.sync.chat.send(WS, 'Vuokrasopimus liitteenä', [ref]);
  await w.settle();
  const [received] = await b.sync.chat.list(WS);
  const receivedRef = received?.attachments[0];
  if (receivedRef === undefined) throw new Error('no attachment arrived');
  return { w, a, b, bytes, ref, receivedRef, progress };
}

describe('attachments', () => {
  it('round-trip encrypted, with progress, and the key never leaves an envelope', async () => {
    const { w, b, bytes, ref, receivedRef, progress } = await shared();
    expect(receivedRef).toEqual(ref);
    // What the server stores and both sides transfer is the padded blob, never the exact size.
    const total = paddedBlobSize(ciphertextSize(bytes.byteLength));
    expect(total).toBeGreaterThan(ciphertextSize(bytes.byteLength));
    expect(progress.at(-1)).toEqual({ transferId: 'up-1', direction: 'upload', name: 'vuokrasopimus.pdf', doneBytes: total, totalBytes: total });
    const downloads: TransferProgress[] = [];
    b.sync.chat.onProgress((p) => downloads.push(p));
    const downloaded = await b.sync.chat.downloadAttachment(WS, receivedRef, 'down-1');
    expect(Buffer.from(downloaded).equals(bytes)).toBe(true);
    expect(downloads.length).toBeGreaterThan(2);
    expect(downloads.at(-1)).toMatchObject({ direction: 'download', doneBytes: total, totalBytes: total });
    // The server holds the blob and envelopes, none of which shows the file or its name.
    const blob = await w.blob(ref.blobId);
    expect(blob?.byteLength).toBe(total);
    expect(Buffer.from(blob ?? []).includes(Buffer.from(bytes.subarray(0, 64)))).toBe(false);
    const relayed = (await w.records()).map((r) => Buffer.from(r.stored.envelope.ciphertext));
    expect(relayed.some((c) => c.includes(Buffer.from('vuokrasopimus')))).toBe(false);
  });

  it('a sent attachment is confirmed as referenced; one uploaded but never sent is not, and goes with the purge', async () => {
    const { w, a, ref } = await shared();
    const store = w.server.ctx.store.blobs;
    expect((await store.getBlob(WS, ref.blobId))?.info.confirmedAt).toBeGreaterThan(0);
    const unsent = await a.sync.chat.uploadAttachment(WS, { name: 'luonnos.txt', type: 'text/plain', bytes: randomBytes(100) });
    expect((await store.getBlob(WS, unsent.blobId))?.info.confirmedAt).toBeUndefined();
    expect(await store.purgeUnconfirmedBlobs(Date.now() + 1)).toBe(1);
    expect(await store.getBlob(WS, unsent.blobId)).toBeNull();
    expect(await store.getBlob(WS, ref.blobId)).not.toBeNull();
  });

  it('an upload past a quota is refused with quota_exceeded and nothing is kept', async () => {
    const w = await SyncWorld.create(['anna', 'ben'], { serverEnv: { QUOTA_BLOBS_PER_USER: '1' } });
    world = w;
    const a = w.agent('anna');
    await a.sync.chat.uploadAttachment(w.workspaceId, { name: 'eka.txt', type: 'text/plain', bytes: randomBytes(100) });
    await expect(a.sync.chat.uploadAttachment(w.workspaceId, { name: 'toka.txt', type: 'text/plain', bytes: randomBytes(100) })).rejects.toMatchObject({
      name: 'RestError',
      code: 'quota_exceeded',
    });
    expect(await w.server.ctx.store.blobs.blobUsage({ workspaceId: w.workspaceId })).toMatchObject({ count: 1 });
  });

  it('stores files of different sizes in the same bucket as blobs of one size', async () => {
    const { w, a } = await shared();
    const sizes = [100, 2500, 3900];
    const refs = [];
    for (const size of sizes) refs.push(await a.sync.chat.uploadAttachment(WS, { name: `f${size}.txt`, type: 'text/plain', bytes: randomBytes(size) }));
    const stored = await Promise.all(refs.map(async (ref) => (await w.blob(ref.blobId))?.byteLength));
    expect(stored).toEqual([4096, 4096, 4096]);
    for (const [i, ref] of refs.entries()) expect(Buffer.from(await a.sync.chat.downloadAttachment(WS, ref)).byteLength).toBe(sizes[i]);
  });

  it('a tampered chunk is rejected and nothing of the file is returned', async () => {
    const { w, b, ref, receivedRef } = await shared();
    const blob = await w.blob(ref.blobId);
    if (blob === undefined) throw new Error('no blob');
    blob[ATTACHMENT_CHUNK_BYTES + 40] = (blob[ATTACHMENT_CHUNK_BYTES + 40] ?? 0) ^ 0x01;
    w.rewriteBlob(ref.blobId, blob);
    await expect(b.sync.chat.downloadAttachment(WS, receivedRef)).rejects.toMatchObject({ name: 'AttachmentError', code: 'integrity' });
    expect(b.problems.map((p) => p.code)).toEqual(['attachment_integrity']);
  });

  it('a truncated blob is rejected', async () => {
    const { w, b, ref, receivedRef } = await shared();
    const blob = await w.blob(ref.blobId);
    if (blob === undefined) throw new Error('no blob');
    w.rewriteBlob(ref.blobId, blob.subarray(0, ATTACHMENT_CHUNK_BYTES + 16));
    const failure = await b.sync.chat.downloadAttachment(WS, receivedRef).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AttachmentError);
    expect(b.problems.map((p) => p.code)).toEqual(['attachment_integrity']);
  });

  it('refuses to send an attachment this device has no key for, and bad file metadata', async () => {
    const { a, ref } = await shared();
    await expect(a.sync.chat.send(WS, 'x', [{ ...ref, blobId: 'someoneElses' }])).rejects.toThrow(RangeError);
    await expect(a.sync.chat.uploadAttachment(WS, { name: '', type: 'text/plain', bytes: new Uint8Array(1) })).rejects.toThrow(RangeError);
    await expect(a.sync.chat.uploadAttachment(WS, { name: 'a.txt', type: 'not a type', bytes: new Uint8Array(1) })).rejects.toThrow(RangeError);
  });
});
