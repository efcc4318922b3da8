/**
 * Records a document's versions as this device sees them change: one checkpoint per
 * editing session (one person editing with pauses shorter than `sessionGapMs`), its state
 * written once the edits settle and again as the session goes on, and every verified
 * snapshot as it arrives. A session ends when someone else starts editing: its
 * checkpoint is written with the state before the other person's first change, so each
 * checkpoint holds what its author left.
 *
 * Only verified input reaches this: remote updates and snapshots after their envelope's
 * signature, chain and order were checked (inbound.ts), and this device's own edits.
 */
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { VersionStore } from './version-store';

/** How the recorder reads a document's full state now. */
export type StateReader = (workspaceId: string, stream: string) => Uint8Array;

/** Timing of sessions. */
export interface RecorderTiming {
  /** write a session's state this long after its last edit */
  readonly settleMs: number;
  /** a pause longer than this starts a new checkpoint even for the same person */
  readonly sessionGapMs: number;
}

/** Default timing: write 2 s after the edits settle; a 10-minute pause is a new version. */
const DEFAULT_RECORDER_TIMING: RecorderTiming = { settleMs: 2_000, sessionGapMs: 10 * 60_000 };

interface Session {
  readonly workspaceId: string;
  readonly stream: string;
  readonly author: DeviceRef;
  lastAt: number;
  versionId: number | undefined;
  dirty: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const keyOf = (workspaceId: string, stream: string): string => `${workspaceId}\u0000${stream}`;

/** The version recorder of one profile's documents. */
export class VersionRecorder {
  readonly #store: Pick<VersionStore, 'insert' | 'update'>;
  readonly #stateOf: StateReader;
  readonly #timing: RecorderTiming;
  readonly #sessions = new Map<string, Session>();

  constructor(store: Pick<VersionStore, 'insert' | 'update'>, stateOf: StateReader, timing: RecorderTiming = DEFAULT_RECORDER_TIMING) {
    this.#store = store;
    this.#stateOf = stateOf;
    this.#timing = timing;
  }

  /**
   * `author` is about to change the document (call it BEFORE the change is applied): a
   * session of someone else, or one that paused too long, is written with the state it
   * left and ends.
   */
  willChange(workspaceId: string, stream: string, author: DeviceRef, at: number): void {
    const session = this.#sessions.get(keyOf(workspaceId, stream));
    if (session !== undefined && !this.#continues(session, author, at)) this.#end(session);
  }

  /** `author` changed the document (after the change): his session goes on, or starts. */
  changed(workspaceId: string, stream: string, author: DeviceRef, at: number): void {
    const key = keyOf(workspaceId, stream);
    let session = this.#sessions.get(key);
    if (session !== undefined && !this.#continues(session, author, at)) {
      this.#end(session);
      session = undefined;
    }
    if (session === undefined) {
      session = { workspaceId, stream, author, lastAt: at, versionId: undefined, dirty: false, timer: undefined };
      this.#sessions.set(key, session);
    }
    session.lastAt = Math.max(session.lastAt, at);
    session.dirty = true;
    if (session.timer !== undefined) clearTimeout(session.timer);
    const current = session;
    session.timer = setTimeout(() => this.#write(current), this.#timing.settleMs);
  }

  #continues(session: Session, author: DeviceRef, at: number): boolean {
    return session.author.userId === author.userId && at - session.lastAt <= this.#timing.sessionGapMs;
  }

  /** A verified snapshot was applied: the session before it ends, and the snapshot is a version of its own. */
  snapshot(workspaceId: string, stream: string, author: DeviceRef, at: number, snapshotId: string, state: Uint8Array): void {
    const session = this.#sessions.get(keyOf(workspaceId, stream));
    if (session !== undefined) this.#end(session);
    this.#store.insert({
      workspaceId, stream, kind: 'snapshot', authorUserId: author.userId, authorDeviceId: author.deviceId, at, snapshotId, state,
    });
  }

  /** The last edit of a session not yet written, in any document of the workspace (ms); 0 for none. */
  pendingAt(workspaceId: string): number {
    let latest = 0;
    for (const session of this.#sessions.values()) if (session.workspaceId === workspaceId) latest = Math.max(latest, session.lastAt);
    return latest;
  }

  /** Write every session's state now (before a version is listed, and on close). */
  flush(): void {
    for (const session of this.#sessions.values()) this.#write(session);
  }

  /** Write what is pending and stop the timers. */
  close(): void {
    for (const session of [...this.#sessions.values()]) this.#end(session);
  }

  #end(session: Session): void {
    this.#write(session);
    this.#sessions.delete(keyOf(session.workspaceId, session.stream));
  }

  #write(session: Session): void {
    if (session.timer !== undefined) clearTimeout(session.timer);
    session.timer = undefined;
    if (!session.dirty) return;
    session.dirty = false;
    const state = this.#stateOf(session.workspaceId, session.stream);
    if (session.versionId === undefined) {
      session.versionId = this.#store.insert({
        workspaceId: session.workspaceId,
        stream: session.stream,
        kind: 'checkpoint',
        authorUserId: session.author.userId,
        authorDeviceId: session.author.deviceId,
        at: session.lastAt,
        state,
      });
    } else {
      this.#store.update(session.versionId, session.lastAt, state);
    }
  }
}
