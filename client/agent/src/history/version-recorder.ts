/**
 * Records a document's versions as this device sees them change: one checkpoint per
 * editing session (one person editing with pauses shorter than `sessionGapMs`), its state
 * written once the edits settle and again as the session goes on, and every verified
 * snapshot as it arrives. A session ends when someone else starts editing after it
 * paused: its checkpoint is written with the state before the other person's first
 * change, so each checkpoint holds what its author left.
 *
 * People editing at the same moment (someone's change within `concurrentMs` of the
 * session's last one — a meeting typing into the plan together) share one checkpoint:
 * the newcomer joins the session as a coauthor. Otherwise every alternation of their
 * keystrokes would be a version of its own, each a write of the whole document, and a
 * minute of two people typing would push the plan's older history (kept to a limit per
 * document) out.
 *
 * Only verified input reaches this: remote updates and snapshots after their envelope's
 * signature, chain and order were checked (inbound.ts), and this device's own edits.
 */
import type { DeviceRef } from '@yhteispoyta/crypto/types';
// Most coauthors one checkpoint names (later ones still edit in it, unnamed): the local API's bound.
import { MAX_VERSION_COAUTHORS } from '@yhteispoyta/local-api';
import type { VersionStore } from './version-store';

/** How the recorder reads a document's full state now. */
export type StateReader = (workspaceId: string, stream: string) => Uint8Array;

/** Timing of sessions. */
export interface RecorderTiming {
  /** write a session's state this long after its last edit */
  readonly settleMs: number;
  /** a pause longer than this starts a new checkpoint even for the same person */
  readonly sessionGapMs: number;
  /** someone else's change this soon after the session's last one joins it instead of ending it */
  readonly concurrentMs: number;
}

/**
 * Default timing: write 2 s after the edits settle; a 10-minute pause is a new version;
 * another person's change within 2 s of the last one is editing at the same moment.
 */
const DEFAULT_RECORDER_TIMING: RecorderTiming = { settleMs: 2_000, sessionGapMs: 10 * 60_000, concurrentMs: 2_000 };


interface Session {
  readonly workspaceId: string;
  readonly stream: string;
  readonly author: DeviceRef;
  /** others who edited in this session, one device per person, in the order they joined */
  readonly coauthors: DeviceRef[];
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
    if (session !== undefined && this.#fits(session, author, at) === 'ends') this.#end(session);
  }

  /** `author` changed the document (after the change): his session goes on, or starts, or he joins the one going on. */
  changed(workspaceId: string, stream: string, author: DeviceRef, at: number): void {
    const key = keyOf(workspaceId, stream);
    let session = this.#sessions.get(key);
    const fit = session === undefined ? 'ends' : this.#fits(session, author, at);
    if (session !== undefined && fit === 'ends') {
      this.#end(session);
      session = undefined;
    }
    if (session === undefined) {
      session = { workspaceId, stream, author, coauthors: [], lastAt: at, versionId: undefined, dirty: false, timer: undefined };
      this.#sessions.set(key, session);
    } else if (fit === 'joins' && session.coauthors.length < MAX_VERSION_COAUTHORS && !session.coauthors.some((c) => c.userId === author.userId)) {
      session.coauthors.push({ userId: author.userId, deviceId: author.deviceId });
    }
    session.lastAt = Math.max(session.lastAt, at);
    session.dirty = true;
    if (session.timer !== undefined) clearTimeout(session.timer);
    const current = session;
    session.timer = setTimeout(() => this.#write(current), this.#timing.settleMs);
  }

  /**
   * Whether a change by `author` at `at` goes on in `session`: its own author's within the
   * session gap, or an author already in it or someone else editing at the same moment
   * (`joins`, also when his clock is behind); anything else ends it.
   */
  #fits(session: Session, author: DeviceRef, at: number): 'continues' | 'joins' | 'ends' {
    const pause = at - session.lastAt;
    const inSession = session.author.userId === author.userId || session.coauthors.some((c) => c.userId === author.userId);
    if (inSession && pause <= this.#timing.sessionGapMs) return 'continues';
    return pause <= this.#timing.concurrentMs ? 'joins' : 'ends';
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
        coauthors: session.coauthors,
        state,
      });
    } else {
      this.#store.update(session.versionId, session.lastAt, state, session.coauthors);
    }
  }
}
