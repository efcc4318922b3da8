/**
 * mongo: the ciphertext log with its clock and snapshot-chain rules, without transactions.
 *
 * One document per stream (`streams`) is the serialisation point. It holds the active
 * snapshot id, a version, each author's last clock (`clocks`, never reset, so it survives
 * pruning) and each author's last clock on the active snapshot (`pending`).
 *
 * - An envelope is accepted by ONE conditional update of that document, whose filter
 *   demands `active = envelope.snapshotId` and `clocks[author] = clock - 1`; the update
 *   sets both clock maps and bumps the version. Of two appends with the same clock only
 *   one matches. The envelope document is inserted afterwards (its unique
 *   (workspace, stream, author, clock) index is a second guard).
 * - A snapshot is accepted by ONE conditional update whose filter demands the version it
 *   read: coverage is judged on `pending` from that very version, and any envelope or
 *   snapshot accepted meanwhile changes the version, so the update misses and the snapshot
 *   is re-judged. Of two snapshots on the same parent only one matches. The snapshot
 *   document is inserted before (as a candidate, accepted = false) and marked accepted
 *   after, so the active id never points at a missing document.
 *
 * Crash windows and why the rules still hold:
 * - after an envelope's stream update, before its insert: the clock moved but the
 *   envelope is missing. The author (never acknowledged) retries the same clock; a retry of
 *   exactly the last clock, on the still-active snapshot, with no stored envelope for it,
 *   is accepted as a repair. Until then a snapshot cannot cover that clock (not_covering).
 * - after a snapshot's candidate insert, before the stream update: an orphan candidate
 *   that is never active; reads ignore it, and pruning deletes it later.
 * - after the stream update, before `accepted = true`: reads treat the active id as
 *   accepted and mark it so, and the next snapshot marks its parent.
 */
import { KeyedQueue } from '@yhteispoyta/common/queue';
import { clockRefusal, uncoveredAuthor } from '@yhteispoyta/crypto/stream-rules';
import type {
  AppendEnvelopeResult,
  AppendSnapshotResult,
  EnvelopeStore,
  NewEnvelope,
  NewSnapshot,
  SnapshotInfo,
  StoredEnvelope,
  StoredSnapshot,
  StreamRef,
} from '../port';
import { readClockRecord, readStoredEnvelopeKind } from '../record-schemas';
import type { EnvelopeDoc, MongoModels, SnapshotDoc, StreamDoc } from './models';
import { allocateSeq, asBuffer, escapeKey, isDuplicateKey, readEscapedClocks, storedBytes } from './values';

/** How often a compare-and-set that lost only to an unrelated change is re-judged. */
const MAX_ATTEMPTS = 20;

const toEnvelope = (d: EnvelopeDoc): StoredEnvelope => ({
  seq: d.seq,
  workspaceId: d.workspaceId,
  stream: d.stream,
  kind: readStoredEnvelopeKind(d.kind),
  authorKey: d.authorKey,
  clock: d.clock,
  snapshotId: d.snapshotId,
  epoch: d.epoch,
  bytes: storedBytes(d.bytes),
  receivedAt: d.receivedAt,
});
const toSnapshotInfo = (d: Omit<SnapshotDoc, 'bytes'>): SnapshotInfo => ({
  seq: d.seq,
  workspaceId: d.workspaceId,
  stream: d.stream,
  snapshotId: d.snapshotId,
  parentSnapshotId: d.parentSnapshotId,
  authorKey: d.authorKey,
  epoch: d.epoch,
  coveredClocks: readClockRecord(JSON.parse(d.coveredClocks)),
  receivedAt: d.receivedAt,
});
const toSnapshot = (d: SnapshotDoc): StoredSnapshot => ({ ...toSnapshotInfo(d), bytes: storedBytes(d.bytes) });

/** Build the envelope and snapshot methods over the adapter's models. */
export function mongoEnvelopes(m: MongoModels): EnvelopeStore {
  // Per workspace, in this process: a seq is allocated and its document inserted before
  // the next append starts, so readers of this process's writes never see seq n+1 before n.
  const lock = new KeyedQueue();

  const readStream = async (workspaceId: string, stream: string): Promise<StreamDoc> => {
    const existing = await m.streams.findOne({ workspaceId, stream }).lean();
    if (existing) return existing;
    try {
      await m.streams.create({ workspaceId, stream, active: '', version: 0, clocks: {}, pending: {} });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const created = await m.streams.findOne({ workspaceId, stream }).lean();
    if (!created) throw new Error('stream document vanished');
    return created;
  };

  const insertEnvelope = async (
    e: NewEnvelope,
    onAccepted: ((seq: number) => void) | undefined,
    afterAccepted: (() => void) | undefined,
  ): Promise<AppendEnvelopeResult | null> => {
    const seq = await allocateSeq(m.counters, e.workspaceId);
    // The clock move and the seq are already written; the fan-out may go while the envelope's insert runs.
    try {
      onAccepted?.(seq);
    } catch {
      // The caller's fan-out failing is the caller's to report; the envelope is still stored.
    }
    try {
      // Each envelope is written on its own here, so it is the whole write this waits for.
      afterAccepted?.();
    } catch {
      // As above.
    }
    try {
      await m.envelopes.create({ ...e, bytes: asBuffer(e.bytes), seq });
      return { ok: true, seq };
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  };

  const envelopeExists = async (workspaceId: string, stream: string, authorKey: string, clock: number) =>
    (await m.envelopes.exists({ workspaceId, stream, authorKey, clock })) !== null;

  async function appendEnvelope(e: NewEnvelope, onAccepted?: (seq: number) => void, afterAccepted?: () => void): Promise<AppendEnvelopeResult> {
    const field = escapeKey(e.authorKey);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const doc = await readStream(e.workspaceId, e.stream);
      const last = readEscapedClocks(doc.clocks)[e.authorKey] ?? 0;
      const clock = clockRefusal(last, e.clock);
      const refused = clock === null ? null : ({ ok: false, ...clock } as const);
      const repair =
        refused?.code === 'clock_replay' && last > 0 && e.clock === last && doc.active === e.snapshotId &&
        readEscapedClocks(doc.pending)[e.authorKey] === last &&
        !(await envelopeExists(e.workspaceId, e.stream, e.authorKey, e.clock));
      if (refused && !repair) return refused;
      if (doc.active !== e.snapshotId) return { ok: false, code: 'stale_snapshot', activeSnapshotId: doc.active };
      if (!repair) {
        const prior = e.clock === 1 ? { $exists: false } : e.clock - 1;
        const res = await m.streams.updateOne(
          { workspaceId: e.workspaceId, stream: e.stream, active: e.snapshotId, [`clocks.${field}`]: prior },
          { $set: { [`clocks.${field}`]: e.clock, [`pending.${field}`]: e.clock }, $inc: { version: 1 } },
        );
        if (res.modifiedCount !== 1) continue;
      }
      const stored = await insertEnvelope(e, onAccepted, afterAccepted);
      if (stored) return stored;
      return { ok: false, code: 'clock_replay', expected: e.clock + 1 };
    }
    // Only reachable under a storm of concurrent appends to the same stream.
    const doc = await readStream(e.workspaceId, e.stream);
    return { ok: false, code: 'stale_snapshot', activeSnapshotId: doc.active };
  }

  async function appendSnapshot(s: NewSnapshot): Promise<AppendSnapshotResult> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const doc = await readStream(s.workspaceId, s.stream);
      if (doc.active !== s.parentSnapshotId) return { ok: false, code: 'stale_snapshot', activeSnapshotId: doc.active };
      if (s.snapshotId === '' || (await m.snapshots.exists({ workspaceId: s.workspaceId, stream: s.stream, snapshotId: s.snapshotId }))) {
        return { ok: false, code: 'duplicate_snapshot' };
      }
      const uncovered = uncoveredAuthor(readEscapedClocks(doc.pending), s.coveredClocks);
      if (uncovered) return { ok: false, code: 'not_covering', ...uncovered };
      const seq = await allocateSeq(m.counters, s.workspaceId);
      try {
        await m.snapshots.create({
          ...s,
          coveredClocks: JSON.stringify(s.coveredClocks),
          bytes: asBuffer(s.bytes),
          seq,
          accepted: false,
        });
      } catch (error) {
        if (isDuplicateKey(error)) return { ok: false, code: 'duplicate_snapshot' };
        throw error;
      }
      const res = await m.streams.updateOne(
        { workspaceId: s.workspaceId, stream: s.stream, version: doc.version, active: s.parentSnapshotId },
        { $set: { active: s.snapshotId, pending: {} }, $inc: { version: 1 } },
      );
      if (res.modifiedCount === 1) {
        // The parent too: had its own marking been cut off by a crash, it is settled now.
        await m.snapshots.updateMany(
          { workspaceId: s.workspaceId, stream: s.stream, snapshotId: { $in: [s.snapshotId, s.parentSnapshotId] } },
          { $set: { accepted: true } },
        );
        return { ok: true, seq };
      }
      // Lost the compare-and-set: withdraw the candidate and judge again on fresh state.
      await m.snapshots.deleteOne({ workspaceId: s.workspaceId, stream: s.stream, snapshotId: s.snapshotId, accepted: false });
    }
    const doc = await readStream(s.workspaceId, s.stream);
    return { ok: false, code: 'stale_snapshot', activeSnapshotId: doc.active };
  }

  const activeSnapshot = async (workspaceId: string, stream: string, active: string): Promise<SnapshotDoc | null> => {
    if (active === '') return null;
    const d = await m.snapshots.findOne({ workspaceId, stream, snapshotId: active }).lean();
    if (d && !d.accepted) await m.snapshots.updateOne({ workspaceId, stream, snapshotId: active }, { $set: { accepted: true } });
    return d;
  };

  return {
    appendEnvelope: (e, onAccepted, afterAccepted) => lock.run(e.workspaceId, () => appendEnvelope(e, onAccepted, afterAccepted)),
    async envelopesAfter(workspaceId, stream, afterSeq, limit) {
      const docs = await m.envelopes.find({ workspaceId, stream, seq: { $gt: afterSeq } }).sort({ seq: 1 }).limit(limit).lean();
      return docs.map(toEnvelope);
    },
    appendSnapshot: (s) => lock.run(s.workspaceId, () => appendSnapshot(s)),
    async latestState(workspaceId, stream) {
      const doc = await m.streams.findOne({ workspaceId, stream }).lean();
      const active = doc?.active ?? '';
      const snap = await activeSnapshot(workspaceId, stream, active);
      const docs = await m.envelopes.find({ workspaceId, stream, snapshotId: active }).sort({ seq: 1 }).lean();
      return { snapshot: snap ? toSnapshot(snap) : null, envelopes: docs.map(toEnvelope) };
    },
    async getSnapshot(workspaceId, stream, snapshotId) {
      const d = await m.snapshots.findOne({ workspaceId, stream, snapshotId }).lean();
      if (!d) return null;
      if (d.accepted) return toSnapshot(d);
      const doc = await m.streams.findOne({ workspaceId, stream }).lean();
      return doc?.active === snapshotId ? toSnapshot(d) : null;
    },
    async listSnapshots(workspaceId, stream) {
      const doc = await m.streams.findOne({ workspaceId, stream }).lean();
      await activeSnapshot(workspaceId, stream, doc?.active ?? '');
      const docs = await m.snapshots
        .find({ workspaceId, stream, accepted: true }, { bytes: 0 })
        .sort({ seq: 1 })
        .lean();
      return docs.map(toSnapshotInfo);
    },
    async listSnapshotStreams(minSnapshots) {
      const docs = await m.snapshots.find({ accepted: true }, { workspaceId: 1, stream: 1 }).lean();
      const counts = new Map<string, { ref: StreamRef; count: number }>();
      for (const d of docs) {
        const key = JSON.stringify([d.workspaceId, d.stream]);
        const entry = counts.get(key) ?? { ref: { workspaceId: d.workspaceId, stream: d.stream }, count: 0 };
        entry.count += 1;
        counts.set(key, entry);
      }
      return [...counts.entries()].filter(([, e]) => e.count >= minSnapshots).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e.ref);
    },
    async deleteSnapshots(workspaceId, stream, snapshotIds) {
      // Under the workspace's lock: no snapshot of this process becomes active meanwhile.
      return lock.run(workspaceId, async () => {
        const doc = await m.streams.findOne({ workspaceId, stream }).lean();
        const active = doc?.active ?? '';
        const ids = snapshotIds.filter((id) => id !== active);
        if (ids.length === 0) return 0;
        return (await m.snapshots.deleteMany({ workspaceId, stream, snapshotId: { $in: ids, $ne: active } })).deletedCount;
      });
    },
    async pruneCoveredUpdates(olderThan) {
      const snapshots = await m.snapshots.find({ accepted: true, receivedAt: { $lt: olderThan } }, { workspaceId: 1, stream: 1, seq: 1 }).lean();
      const cuts = new Map<string, { workspaceId: string; stream: string; cut: number }>();
      for (const s of snapshots) {
        const key = JSON.stringify([s.workspaceId, s.stream]);
        const cut = cuts.get(key);
        if (cut === undefined || s.seq > cut.cut) cuts.set(key, { workspaceId: s.workspaceId, stream: s.stream, cut: s.seq });
      }
      let deleted = 0;
      for (const { workspaceId, stream, cut } of cuts.values()) {
        deleted += (await m.envelopes.deleteMany({ workspaceId, stream, seq: { $lt: cut } })).deletedCount;
        // Candidates that never became active (a crash mid compare-and-set) go too.
        const doc = await m.streams.findOne({ workspaceId, stream }).lean();
        await m.snapshots.deleteMany({
          workspaceId, stream, accepted: false, receivedAt: { $lt: olderThan }, snapshotId: { $ne: doc?.active ?? '' },
        });
      }
      return deleted;
    },
  };
}
