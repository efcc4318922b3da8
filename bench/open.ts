/**
 * A long document: 10 000 edits (the trace generator's keystrokes, backspaces and
 * pastes) written one envelope each by one agent, compacted by its snapshots as it goes.
 * Then, for each compaction threshold tried:
 *
 * - cold open: a fresh device of a new member opens it with no local cache (join →
 *   snapshot + trailing updates → verify, decrypt, apply, store locally), with a timing
 *   breakdown of the same work done piece by piece;
 * - warm open: that device's agent restarted, the document loaded from its local cache;
 * - bytes the server stores for the document, against the goal's 2 × (final Yjs state +
 *   trailing updates) and the plaintext.
 *
 * The baselines: the same edits through a stock WebsocketProvider into the stock relay,
 * which holds the document in memory, and through a HocuspocusProvider into Hocuspocus,
 * which stores it to SQLite; a fresh provider's sync is their cold open.
 */
import * as Y from 'yjs';
import type { WebsocketProvider } from 'y-websocket';
import { Aes256GcmSiv } from '@signalapp/libsignal-client';
import { toBytes } from '@yhteispoyta/crypto/bytes';
import { deriveStreamKey, openEnvelope, verifyEnvelopeSignature } from '@yhteispoyta/crypto/envelope';
import { decodeHeader } from '@yhteispoyta/crypto/header';
import type { StoredEnvelope } from '@yhteispoyta/crypto/protocol';
import { loadConfig } from '@yhteispoyta/server/config';
import { applyRetention } from '@yhteispoyta/server/maintenance/retention';
import { createStore } from '@yhteispoyta/server/store/create-store';
import type { Store } from '@yhteispoyta/server/store/port';
import Sqlite from '@signalapp/sqlcipher';
import { restartAgent, sessionOf, until } from './agents';
import { hocuspocusProvider, hocuspocusSynced } from './hocuspocus-client';
import type { AgentTuning, BenchAgent } from './agents';
import { Typist } from './edit-apply';
import type { MeasuredProcess } from './processes';
import { provider, synced } from './propagation';
import { median } from './stats';
import { editSequence } from './traces';
import { TEXT_NAME } from './workload';

const STREAM = 'doc:plan';

/** A document built by one writer agent. */
export interface BuiltDocument {
  readonly workspaceId: string;
  readonly threshold: number;
  readonly writer: BenchAgent;
  /** the edits' Yjs updates in order (one envelope each) */
  readonly updateSizes: readonly number[];
  readonly finalStateBytes: number;
  readonly finalTextBytes: number;
  readonly finalText: string;
  readonly buildMs: number;
}

/** Stored bytes of the document on the server. */
export interface StoredBytes {
  /** everything held before the retention window has passed: every update envelope and every snapshot */
  readonly heldNow: number;
  /** after the server's retention job, run once its window has passed: covered updates pruned, snapshots thinned */
  readonly afterRetention: number;
  /** what a joining device downloads: the active snapshot and the updates on it */
  readonly live: number;
  /** snapshots kept after retention, and their bytes */
  readonly snapshots: number;
  readonly snapshotBytes: number;
  readonly trailingUpdates: number;
  readonly updateEnvelopes: number;
}

/** Cold-open timing breakdown (medians, ms). */
export interface OpenBreakdown {
  /** the `join` round trip that returns snapshot + trailing updates */
  readonly fetch: number;
  /** signature checks of every envelope */
  readonly verify: number;
  /** AEAD decryption alone (stream key derivation and AES-256-GCM-SIV, header as associated data) */
  readonly decrypt: number;
  /** Y.applyUpdate of every plaintext into a fresh document */
  readonly apply: number;
}

/** Everything measured for one compaction threshold. */
export interface OpenRow {
  readonly threshold: number;
  readonly edits: number;
  readonly buildMs: number;
  readonly coldOpenMs: readonly number[];
  readonly warmOpenMs: readonly number[];
  readonly warmCaughtUpMs: readonly number[];
  readonly breakdown: OpenBreakdown;
  readonly stored: StoredBytes;
  readonly finalStateBytes: number;
  readonly trailingPlainBytes: number;
  readonly finalTextBytes: number;
}

/** Write `edits` edits through `writer` (merge window 0, flushed per edit: one envelope per edit). */
export async function buildDocument(writer: BenchAgent, workspaceId: string, threshold: number, edits: number, seed: number): Promise<BuiltDocument> {
  const documents = sessionOf(writer).parts.documents;
  const doc = await documents.open(workspaceId, STREAM);
  const updateSizes: number[] = [];
  const onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin !== 'remote') updateSizes.push(update.byteLength);
  };
  doc.on('update', onUpdate);
  const typist = new Typist(doc.getText(TEXT_NAME));
  const t0 = performance.now();
  for (const op of editSequence(seed, edits)) {
    typist.apply(op);
    await documents.flush();
  }
  const buildMs = performance.now() - t0;
  doc.off('update', onUpdate);
  const finalText = doc.getText(TEXT_NAME).toString();
  return {
    workspaceId,
    threshold,
    writer,
    updateSizes,
    finalStateBytes: Y.encodeStateAsUpdate(doc).byteLength,
    finalTextBytes: Buffer.byteLength(finalText, 'utf8'),
    finalText,
    buildMs,
  };
}

/** Resolves as soon as `doc`'s text is `expected` (checked now and after every transaction). */
function whenText(doc: Y.Doc, expected: string): Promise<void> {
  const text = doc.getText(TEXT_NAME);
  return new Promise<void>((resolve) => {
    const check = (): void => {
      if (text.length !== expected.length || text.toString() !== expected) return;
      doc.off('afterTransaction', check);
      resolve();
    };
    doc.on('afterTransaction', check);
    check();
  });
}

/** Cold open by a fresh member device: from `open()` to the full text in its document. */
async function coldOpen(owner: BenchAgent, reader: BenchAgent, built: BuiltDocument): Promise<number> {
  await sessionOf(owner).parts.membership.addMember(built.workspaceId, reader.userId);
  const session = sessionOf(reader);
  await until(`${reader.name} has the key`, () => session.parts.keys.currentEpoch(built.workspaceId) !== undefined);
  const t0 = performance.now();
  const doc = await session.parts.documents.open(built.workspaceId, STREAM);
  await whenText(doc, built.finalText);
  return performance.now() - t0;
}

/** Warm open after an agent restart: local load, and until the catch-up join has answered too. */
async function warmOpen(reader: BenchAgent, serverUrl: string, tuning: AgentTuning, built: BuiltDocument): Promise<{ local: number; caughtUp: number }> {
  await restartAgent(reader, serverUrl, tuning);
  const documents = sessionOf(reader).parts.documents;
  let joined: () => void = () => undefined;
  const caughtUp = new Promise<void>((resolve) => (joined = resolve));
  let seenSyncing = false;
  const off = documents.onStatus((status) => {
    if (status.syncing.includes(built.workspaceId)) seenSyncing = true;
    else if (seenSyncing) joined();
  });
  const t0 = performance.now();
  const doc = await documents.open(built.workspaceId, STREAM);
  if (doc.getText(TEXT_NAME).toString() !== built.finalText) throw new Error('warm open: the local cache does not hold the document');
  const local = performance.now() - t0;
  await Promise.race([caughtUp, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  off();
  return { local, caughtUp: performance.now() - t0 };
}

/** The same work as a cold open, piece by piece, on what the server returns to a join. */
async function breakdownOf(reader: BenchAgent, built: BuiltDocument): Promise<OpenBreakdown> {
  const session = sessionOf(reader);
  const keys = session.parts.keys;
  const fetches: number[] = [];
  let items: StoredEnvelope[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const res = await session.parts.link.request('join', { workspaceId: built.workspaceId, positions: { [STREAM]: { snapshotId: '', afterSeq: 0 } } });
    fetches.push(performance.now() - t0);
    if (!res.ok) throw new Error(`join refused: ${res.error.code}`);
    const catchUp = res.streams[STREAM];
    if (catchUp === undefined) throw new Error('join answered without the stream');
    items = catchUp.snapshot === null ? [...catchUp.envelopes] : [catchUp.snapshot, ...catchUp.envelopes];
  }
  const ctx = {
    workspaceId: built.workspaceId,
    stream: STREAM,
    identityOf: keys.identityOf.bind(keys),
    epochKeyOf: (epoch: number) => keys.epochKey(built.workspaceId, epoch),
  };
  const verifies: number[] = [];
  const decrypts: number[] = [];
  const applies: number[] = [];
  for (let i = 0; i < 5; i++) {
    let t0 = performance.now();
    for (const item of items) {
      // Snapshots may be sealed by any member, so each envelope is checked against its own author.
      const header = decodeHeader(item.envelope.header);
      const key = header.ok ? keys.identityOf(header.header.author) : undefined;
      if (key === undefined || !verifyEnvelopeSignature(item.envelope, key).ok) throw new Error('breakdown: an envelope does not verify');
    }
    verifies.push(performance.now() - t0);
    // The epochs are read first: only the key derivation and the AEAD are timed.
    const epochs = items.map((item) => {
      const header = decodeHeader(item.envelope.header);
      const epochKey = header.ok ? keys.epochKey(built.workspaceId, header.header.epoch) : undefined;
      if (epochKey === undefined) throw new Error('breakdown: no key for an envelope');
      return epochKey;
    });
    t0 = performance.now();
    const plaintexts: Uint8Array[] = [];
    items.forEach((item, index) => {
      const streamKey = deriveStreamKey(epochs[index] as Uint8Array, built.workspaceId, STREAM);
      const { header, nonce, ciphertext } = item.envelope;
      plaintexts.push(Aes256GcmSiv.new(streamKey).decrypt(toBytes(ciphertext), toBytes(nonce), toBytes(header)));
    });
    decrypts.push(performance.now() - t0);
    for (const [index, item] of items.entries()) {
      const opened = openEnvelope(item.envelope, ctx);
      if (!opened.ok || Buffer.compare(Buffer.from(opened.plaintext), Buffer.from(plaintexts[index] ?? [])) !== 0) throw new Error('breakdown: decryption differs from openEnvelope');
    }
    t0 = performance.now();
    const doc = new Y.Doc();
    Y.transact(doc, () => {
      for (const plaintext of plaintexts) Y.applyUpdate(doc, plaintext);
    });
    applies.push(performance.now() - t0);
    if (doc.getText(TEXT_NAME).toString() !== built.finalText) throw new Error('breakdown: the applied document differs');
    doc.destroy();
  }
  return { fetch: median(fetches), verify: median(verifies), decrypt: median(decrypts), apply: median(applies) };
}

function sum(values: readonly { byteLength: number }[]): number {
  return values.reduce((total, v) => total + v.byteLength, 0);
}

/** Every snapshot of the bench document the store holds, and their bytes. */
async function snapshotsHeld(store: Store, workspaceId: string): Promise<Uint8Array[]> {
  const infos = await store.envelopes.listSnapshots(workspaceId, STREAM);
  return Promise.all(infos.map(async (info) => (await store.envelopes.getSnapshot(workspaceId, STREAM, info.snapshotId))?.bytes ?? new Uint8Array()));
}

/**
 * The document's bytes in the server's store, read through the storage port from the
 * server's own sqlite file; then the server's own retention job (server/src/maintenance/
 * retention.ts: covered updates pruned, snapshot history thinned to the newest of each
 * hour for a day and of each day after) is run once as it runs when its window
 * (SNAPSHOT_RETENTION_SECONDS) has passed. The bench writes the document within minutes,
 * so its snapshots share one or two hours and thinning keeps one or two of them; a
 * document edited over weeks keeps up to 24 hourly and one daily snapshot per day.
 */
async function storedBytes(serverDbPath: string, workspaceId: string): Promise<StoredBytes> {
  const store = await createStore({ kind: 'sqlite', path: serverDbPath });
  try {
    const snapshots = await snapshotsHeld(store, workspaceId);
    const before = await store.envelopes.envelopesAfter(workspaceId, STREAM, 0, 1_000_000);
    const live = await store.envelopes.latestState(workspaceId, STREAM);
    const config = loadConfig({});
    await applyRetention({ store, config, now: () => Date.now() + config.snapshotRetentionSeconds * 1000 + 1 });
    const kept = await snapshotsHeld(store, workspaceId);
    const after = await store.envelopes.envelopesAfter(workspaceId, STREAM, 0, 1_000_000);
    const snapshotBytes = sum(kept);
    return {
      heldNow: sum(snapshots) + sum(before.map((e) => e.bytes)),
      afterRetention: snapshotBytes + sum(after.map((e) => e.bytes)),
      live: (live.snapshot?.bytes.byteLength ?? 0) + sum(live.envelopes.map((e) => e.bytes)),
      snapshots: kept.length,
      snapshotBytes,
      trailingUpdates: live.envelopes.length,
      updateEnvelopes: before.length,
    };
  } finally {
    await store.close();
  }
}

/** Cold opens, a warm open, the breakdown and the stored bytes of a built document. */
export async function measureOpen(opts: {
  readonly built: BuiltDocument;
  readonly edits: number;
  readonly readers: readonly BenchAgent[];
  readonly serverUrl: string;
  readonly serverDbPath: string;
  readonly readerTuning: AgentTuning;
}): Promise<OpenRow> {
  const { built } = opts;
  const coldOpenMs: number[] = [];
  for (const reader of opts.readers) coldOpenMs.push(await coldOpen(built.writer, reader, built));
  const lastReader = opts.readers.at(-1);
  if (lastReader === undefined) throw new Error('no readers');
  const breakdown = await breakdownOf(lastReader, built);
  const warm = await warmOpen(lastReader, opts.serverUrl, opts.readerTuning, built);
  const stored = await storedBytes(opts.serverDbPath, built.workspaceId);
  const trailingPlainBytes = built.updateSizes.slice(built.updateSizes.length - stored.trailingUpdates).reduce((a, b) => a + b, 0);
  return {
    threshold: built.threshold,
    edits: opts.edits,
    buildMs: built.buildMs,
    coldOpenMs,
    warmOpenMs: [warm.local],
    warmCaughtUpMs: [warm.caughtUp],
    breakdown,
    stored,
    finalStateBytes: built.finalStateBytes,
    trailingPlainBytes,
    finalTextBytes: built.finalTextBytes,
  };
}

/** The baseline's document and cold opens (a fresh WebsocketProvider syncing it from the relay). */
export interface BaselineOpen {
  readonly syncMs: readonly number[];
  readonly stateBytes: number;
}

/** Feed the same edits into the stock relay, then time fresh providers syncing the document. */
export async function baselineOpen(relay: MeasuredProcess, edits: number, seed: number, trials: number): Promise<BaselineOpen> {
  const room = `open-${seed}-${edits}`;
  const writer = provider(relay.url, room);
  const providers: WebsocketProvider[] = [writer];
  try {
    await synced(writer);
    const typist = new Typist(writer.doc.getText(TEXT_NAME));
    for (const op of editSequence(seed, edits)) typist.apply(op);
    const expected = writer.doc.getText(TEXT_NAME).toString();
    // The relay has the document once a second client sees all of it.
    const probe = provider(relay.url, room);
    providers.push(probe);
    await until('the relay holds the whole document', () => probe.doc.getText(TEXT_NAME).toString() === expected, 120_000);
    const syncMs: number[] = [];
    for (let i = 0; i < trials; i++) {
      const t0 = performance.now();
      const fresh = provider(relay.url, room);
      providers.push(fresh);
      await synced(fresh);
      await whenText(fresh.doc, expected);
      syncMs.push(performance.now() - t0);
    }
    return { syncMs, stateBytes: Y.encodeStateAsUpdate(writer.doc).byteLength };
  } finally {
    for (const p of providers) {
      p.destroy();
      p.doc.destroy();
    }
  }
}

/** Hocuspocus's cold opens of the same document, and the bytes its SQLite row holds for it. */
export interface HocuspocusOpen {
  readonly syncMs: readonly number[];
  /** the document's row once Hocuspocus's debounced store has written the whole document */
  readonly storedBytes: number;
}

/** The document's Yjs state as stored in Hocuspocus's SQLite file, read by a second connection. */
function hocuspocusRow(dbPath: string, room: string): Uint8Array | undefined {
  const db = new Sqlite(dbPath);
  try {
    const row = db.prepare('SELECT data FROM documents WHERE name = ?', { pluck: true }).get([room]);
    return row instanceof Uint8Array ? row : undefined;
  } finally {
    db.close();
  }
}

/**
 * Feed the same edits into Hocuspocus through a HocuspocusProvider, time fresh providers
 * syncing the document, and read what it stored once its debounced store has caught up.
 */
export async function hocuspocusOpen(server: MeasuredProcess, dbPath: string, edits: number, seed: number, trials: number): Promise<HocuspocusOpen> {
  const room = `open-${seed}-${edits}`;
  const writer = hocuspocusProvider(server.url, room);
  const clients = [writer];
  try {
    await hocuspocusSynced(writer.provider);
    const typist = new Typist(writer.provider.document.getText(TEXT_NAME));
    for (const op of editSequence(seed, edits)) typist.apply(op);
    const expected = writer.provider.document.getText(TEXT_NAME).toString();
    const probe = hocuspocusProvider(server.url, room);
    clients.push(probe);
    await until('Hocuspocus holds the whole document', () => probe.provider.document.getText(TEXT_NAME).toString() === expected, 120_000);
    const syncMs: number[] = [];
    for (let i = 0; i < trials; i++) {
      const t0 = performance.now();
      const fresh = hocuspocusProvider(server.url, room);
      clients.push(fresh);
      await hocuspocusSynced(fresh.provider);
      await whenText(fresh.provider.document, expected);
      syncMs.push(performance.now() - t0);
    }
    // Hocuspocus stores at most 10 s after a change (its maxDebounce).
    let storedBytes = Number.NaN;
    await until(
      'Hocuspocus stored the whole document',
      () => {
        const row = hocuspocusRow(dbPath, room);
        if (row === undefined) return false;
        const doc = new Y.Doc();
        Y.applyUpdate(doc, row);
        const whole = doc.getText(TEXT_NAME).toString() === expected;
        doc.destroy();
        if (whole) storedBytes = row.byteLength;
        return whole;
      },
      30_000,
    );
    return { syncMs, storedBytes };
  } finally {
    for (const client of clients) client.close();
  }
}
