/**
 * Membership sync: this device's own verified view of every workspace's chain. New
 * events from the server are checked with crypto's appendCheck against the state THIS
 * device verified, with identity keys from certificates (the author's device must have
 * been certified when it signed), never against what the server says the state is. A
 * server that forks, truncates, reorders or rewrites the chain, or serves an event that
 * does not verify, gets a `chain_invalid` problem and nothing of that answer is applied;
 * so does an event that names a person with another organisation or role than his
 * certificate. Devices the chain names but certificates do not back (never certified,
 * revoked, another key) stay in the chain but are not trusted: `trustedDevices` leaves
 * them out, an `uncertified` problem tells the user. Events by a person whose user key
 * changed wait until the user accepts the change.
 *
 * Chain work runs one task at a time (`exclusive`); listeners registered with
 * `onVerified` run inside that task and must not call `exclusive` themselves.
 */
import type { Logger } from 'pino';
import { certifiedMembership, checkMemberPerson } from '@yhteispoyta/crypto/certificates/membership-check';
import { appendCheck, eventHash } from '@yhteispoyta/crypto/membership';
import type { ChainState } from '@yhteispoyta/crypto/membership';
import { MAX_MEMBERSHIP_PAGE } from '@yhteispoyta/crypto/protocol';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef, MemberInfo, MembershipEvent } from '@yhteispoyta/crypto/types';
import { SerialQueue } from '@yhteispoyta/common/queue';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { ProblemSink, RestClient } from '../contracts';
import { RestError } from '../contracts';
import type { ChainStore, StoredEvent } from './chain-store';
import type { TrustedIdentities } from './trusted-identities';

/** Called after a workspace's verified state changed or was re-checked; runs inside the chain task. */
export type VerifiedListener = (workspaceId: string, state: ChainState, added: readonly MembershipEvent[]) => Promise<void>;

/** What membership sync works with. */
export interface MembershipSyncDeps {
  readonly self: DeviceRef;
  readonly rest: RestClient;
  readonly chains: ChainStore;
  readonly identities: TrustedIdentities;
  readonly problems: ProblemSink;
  readonly log: Logger;
  /**
   * Epoch keys received for epochs the verified chain has not reached (the epoch key
   * store's pending keys). A member device sends such a key only after the event opening
   * its epoch is stored, so a chain answer that still stops short of it is withheld.
   */
  readonly pendingKeys?: (workspaceId: string) => readonly { readonly epoch: number; readonly sender: DeviceRef }[];
}

/** Told after every pull of a workspace's chain whether the server's answer was refused. */
export type PullOutcomeListener = (workspaceId: string, refused: boolean) => void;

/** Whether `ref` is a current member device in `state`. */
export function isMemberDevice(state: ChainState, ref: DeviceRef): boolean {
  return state.devices.some((d) => d.userId === ref.userId && d.deviceId === ref.deviceId);
}

/** Devices an event introduces or signs with: their certificates must be known before it is checked. */
function devicesOf(event: MembershipEvent): DeviceRef[] {
  const refs: DeviceRef[] = [event.author];
  if (event.type === 'create') refs.push(...event.payload.creator.devices.map((d) => ({ userId: event.payload.creator.userId, deviceId: d.deviceId })));
  if (event.type === 'add_member') refs.push(...event.payload.member.devices.map((d) => ({ userId: event.payload.member.userId, deviceId: d.deviceId })));
  if (event.type === 'add_device') refs.push({ userId: event.payload.userId, deviceId: event.payload.deviceId });
  return refs;
}

/** The member an event brings in, whose organisation and role must match his certificate. */
function memberOf(event: MembershipEvent): MemberInfo | undefined {
  if (event.type === 'create') return event.payload.creator;
  if (event.type === 'add_member') return event.payload.member;
  return undefined;
}

/** The verified membership chains of this device, kept in step with the server. */
export class MembershipSync {
  readonly #deps: MembershipSyncDeps;
  readonly #log: Logger;
  readonly #states = new Map<string, ChainState>();
  readonly #queue = new SerialQueue();
  readonly #verified: VerifiedListener[] = [];
  readonly #changed = new Listeners<[workspaceId: string]>((error) =>
    this.#log.warn({ reason: error instanceof Error ? error.message : 'unknown' }, 'chain change listener failed'),
  );
  /** the last refusal reported per workspace, so a server repeating itself is reported once */
  readonly #reported = new Map<string, string>();
  readonly #outcomes = new Listeners<Parameters<PullOutcomeListener>>((error) =>
    this.#log.warn({ reason: error instanceof Error ? error.message : 'unknown' }, 'pull outcome listener failed'),
  );
  /** findings about untrusted chain devices already reported, per workspace */
  readonly #findingsReported = new Map<string, Set<string>>();
  /** whether the pull running now (pulls never overlap: they run in the chain task) refused the answer */
  #refusedNow = false;

  /** Load and re-verify the stored chains. */
  constructor(deps: MembershipSyncDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ module: 'keys/membership-sync' });
    for (const { workspaceId } of deps.chains.workspaces()) this.#load(workspaceId);
  }

  /** The verified state of a workspace, if this device holds its chain. */
  state(workspaceId: string): ChainState | undefined {
    return this.#states.get(workspaceId);
  }

  /**
   * The current member devices of a workspace that certificates back (the person's
   * organisation and role, the device's id and key, not revoked): only these get keys.
   */
  trustedDevices(workspaceId: string): DeviceRef[] {
    const state = this.#states.get(workspaceId);
    if (state === undefined) return [];
    const { identities } = this.#deps;
    // A person whose user key changed is trusted again only once the user accepted the change.
    return [...certifiedMembership(state, (userId) => (identities.changedPerson(userId) === undefined ? identities.book.person(userId) : undefined)).trusted];
  }

  /** Report (once each) the chain's devices and members that certificates do not back. */
  reportUntrusted(workspaceId: string): void {
    const state = this.#states.get(workspaceId);
    if (state === undefined) return;
    const { book } = this.#deps.identities;
    const { findings } = certifiedMembership(state, (userId) => book.person(userId));
    const reported = this.#findingsReported.get(workspaceId) ?? new Set<string>();
    this.#findingsReported.set(workspaceId, reported);
    const current = new Set<string>();
    for (const finding of findings) {
      const key = `${finding.code}:${finding.userId}:${finding.deviceId ?? ''}`;
      current.add(key);
      if (reported.has(key)) continue;
      reported.add(key);
      this.#deps.problems.report({
        code: 'uncertified',
        message: `In workspace ${state.workspaceId}: ${finding.detail}. That ${finding.deviceId === undefined ? 'person' : 'device'} gets no keys and nothing it sends is accepted.`,
        workspaceId,
        ...(finding.deviceId === undefined ? {} : { device: { userId: finding.userId, deviceId: finding.deviceId } }),
      });
    }
    // A finding that went away (certificate arrived, device removed) may be reported again if it comes back.
    for (const key of [...reported]) if (!current.has(key)) reported.delete(key);
  }

  /** Workspaces whose chain this device holds. */
  workspaceIds(): string[] {
    return [...this.#states.keys()];
  }

  /** Run `task` as the only chain task. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    return this.#queue.run(task);
  }

  /** Register a listener run after each verification (inside the chain task). */
  onVerified(listener: VerifiedListener): void {
    this.#verified.push(listener);
  }

  /** Register a listener told about every change of a verified state. */
  onChange(listener: (workspaceId: string) => void): () => void {
    return this.#changed.add(listener);
  }

  /** Sync every workspace the server lists and every one held locally. Rejects `offline` when the server is unreachable. */
  syncAll(): Promise<void> {
    return this.exclusive(async () => {
      const { workspaces } = await this.#deps.rest.call('listWorkspaces', {});
      const listed = new Set<string>();
      for (const summary of workspaces) {
        listed.add(summary.workspaceId);
        await this.#guarded(summary.workspaceId, async () => {
          await this.pullLocked(summary.workspaceId, summary.membershipSeq);
          this.#deps.chains.setLastActivity(summary.workspaceId, summary.lastActivityAt);
        });
      }
      for (const record of this.#deps.chains.workspaces()) {
        if (!listed.has(record.workspaceId) && record.access === 'member') {
          await this.#guarded(record.workspaceId, () => this.pullLocked(record.workspaceId));
        }
      }
    });
  }

  /** Sync one workspace. */
  syncWorkspace(workspaceId: string): Promise<ChainState | undefined> {
    return this.exclusive(() => this.pullLocked(workspaceId));
  }

  /**
   * The signed event that removed this device, as the server's `revoked` notice carries it.
   * The device can no longer read the chain, so the event is verified against the chain it
   * holds — it must be the very next one (seq, prevHash), signed by a device entitled to
   * make it — and applied like any other; one that does not verify is refused and reported
   * like a bad chain. Anything else (this device is behind) is left to the pull.
   */
  applyRemovalNotice(workspaceId: string, event: MembershipEvent): Promise<void> {
    return this.exclusive(async () => {
      const held = this.#states.get(workspaceId);
      if (held === undefined || event.workspaceId !== workspaceId || event.seq !== held.seq + 1) return;
      await this.#learnIdentities(devicesOf(event));
      const verified = this.#verify(workspaceId, held, [event]);
      if (verified === 'refused' || verified.accepted.length === 0 || verified.state === undefined) return;
      this.#deps.chains.append(workspaceId, verified.accepted);
      this.#set(workspaceId, verified.state);
      await this.#afterVerified(workspaceId, held, verified.state, verified.accepted.map((a) => a.event));
    });
  }

  /** Register a listener told after every pull whether it refused the server's answer; returns the unsubscribe function. */
  onPullOutcome(listener: PullOutcomeListener): () => void {
    return this.#outcomes.add(listener);
  }

  /**
   * Fetch and verify the events after what this device holds. Only inside `exclusive`.
   * `announcedSeq` is the newest seq the server's listing claims. Listeners of
   * {@link onPullOutcome} hear whether the answer was refused (not when the pull failed).
   */
  async pullLocked(workspaceId: string, announcedSeq?: number): Promise<ChainState | undefined> {
    this.#refusedNow = false;
    // Keys received before the request: the events opening their epochs were stored before they were sent.
    const pendingBefore = this.#deps.pendingKeys?.(workspaceId) ?? [];
    let state = await this.#pull(workspaceId, announcedSeq);
    if (!this.#refusedNow && state !== undefined) state = this.#checkWithheld(workspaceId, state, pendingBefore);
    const refused = this.#refusedNow;
    this.#outcomes.emit(workspaceId, refused);
    return state;
  }

  /**
   * A verified state that stops short of an epoch whose key a member device already sent
   * is a chain the server withholds (a hidden removal, typically): refused, so that the
   * user knows and the chain is pulled again. A chain waiting for an identity decision is
   * short for another reason and is left alone.
   */
  #checkWithheld(workspaceId: string, state: ChainState, pending: readonly { readonly epoch: number; readonly sender: DeviceRef }[]): ChainState {
    const ahead = pending.filter((p) => p.epoch > state.epoch && isMemberDevice(state, p.sender));
    if (ahead.length === 0 || this.#deps.identities.changes().length > 0) return state;
    const epoch = Math.max(...ahead.map((p) => p.epoch));
    return this.#refuse(
      workspaceId,
      state,
      `a member device sent the key of epoch ${epoch}, but the chain the server serves stops at epoch ${state.epoch} (membership events withheld)`,
    ) ?? state;
  }

  async #pull(workspaceId: string, announcedSeq?: number): Promise<ChainState | undefined> {
    const held = this.#states.get(workspaceId);
    if (held !== undefined && announcedSeq !== undefined && announcedSeq < held.seq) {
      return this.#refuse(workspaceId, held, `the server lists the chain up to seq ${announcedSeq}, but this device verified it up to seq ${held.seq} (truncated)`);
    }
    let events: MembershipEvent[];
    try {
      events = await this.#fetch(workspaceId, held?.seq);
    } catch (error) {
      if (error instanceof RestError && (error.code === 'forbidden' || error.code === 'not_found') && held !== undefined) {
        this.#lostAccess(workspaceId, held, 'the server no longer lets this device read the workspace');
        return held;
      }
      throw error;
    }
    const start = held?.seq ?? 0;
    if (events.some((event, i) => event.seq !== start + i)) {
      return this.#refuse(workspaceId, held, 'the server sent membership events out of order or with gaps');
    }
    if (held !== undefined) {
      const first = events[0];
      if (first === undefined) return this.#refuse(workspaceId, held, `the server no longer has event ${held.seq} (truncated)`);
      if (eventHash(first) !== held.headHash) return this.#refuse(workspaceId, held, `event ${held.seq} differs from the one this device verified (fork)`);
    } else if (events[0] !== undefined && events[0].workspaceId !== workspaceId) {
      return this.#refuse(workspaceId, held, 'the server sent the chain of another workspace');
    }
    const fresh = held === undefined ? events : events.slice(1);
    await this.#learnIdentities(fresh.flatMap(devicesOf));
    const verified = this.#verify(workspaceId, held, fresh);
    if (verified === 'refused') return held;
    let state = held;
    if (verified.accepted.length > 0 && verified.state !== undefined) {
      state = verified.state;
      this.#deps.chains.append(workspaceId, verified.accepted);
      this.#set(workspaceId, state);
    }
    if (state === undefined) return undefined;
    // Envelopes of any member device are checked against these keys later: learn them now.
    await this.#learnIdentities(state.devices.filter((d) => this.#deps.identities.trusted(d) === undefined));
    this.reportUntrusted(workspaceId);
    await this.#afterVerified(workspaceId, held, state, verified.accepted.map((a) => a.event));
    return state;
  }

  /**
   * Record an event this device authored and the server stored: it was checked with
   * appendCheck against the current state by the caller. Only inside `exclusive`.
   */
  async applyOwnLocked(workspaceId: string, stored: StoredEvent, state: ChainState, alsoInTransaction?: () => void): Promise<void> {
    const held = this.#states.get(workspaceId);
    this.#deps.chains.append(workspaceId, [stored], alsoInTransaction);
    this.#set(workspaceId, state);
    await this.#afterVerified(workspaceId, held, state, [stored.event]);
  }

  #verify(
    workspaceId: string,
    held: ChainState | undefined,
    fresh: readonly MembershipEvent[],
  ): { state: ChainState | undefined; accepted: StoredEvent[] } | 'refused' {
    const { identities } = this.#deps;
    let state: ChainState | null = held ?? null;
    const accepted: StoredEvent[] = [];
    for (const event of fresh) {
      const key = identities.chainAuthorKey(event.author, event.at);
      const result = appendCheck(state, event, (ref) => (deviceKey(ref) === deviceKey(event.author) ? key : undefined));
      if (!result.ok) {
        if (identities.changed(event.author) !== undefined) {
          // Not the server's fault: the rest waits for the user's decision on the new key.
          this.#log.info({ workspaceId, seq: event.seq }, 'chain waits for an identity decision');
          break;
        }
        const why = result.code === 'unknown_author' ? 'the author device has no valid certificate' : result.detail;
        this.#refuse(workspaceId, held, `membership event ${result.seq} refused (${result.code}): ${why}`);
        return 'refused';
      }
      const member = memberOf(result.event);
      if (member !== undefined) {
        // The signer named an organisation and role: the person's certificate must say the same.
        const person = identities.book.personAt(member.userId, result.event.at) ?? identities.book.person(member.userId);
        const finding = checkMemberPerson(member, person, workspaceId);
        if (finding !== undefined && finding.code !== 'uncertified') {
          this.#refuse(workspaceId, held, `membership event ${result.event.seq} refused: ${finding.detail}`);
          return 'refused';
        }
      }
      // usable() returned the key appendCheck verified with.
      accepted.push({ event: result.event, authorKey: key as Bytes });
      state = result.state;
    }
    return { state: state ?? undefined, accepted };
  }

  async #fetch(workspaceId: string, heldSeq: number | undefined): Promise<MembershipEvent[]> {
    const out: MembershipEvent[] = [];
    // Ask from the newest held event on, so a rewritten head is seen.
    let after = heldSeq === undefined || heldSeq === 0 ? undefined : heldSeq - 1;
    for (;;) {
      const page = await this.#deps.rest.call('listMembership', { params: { workspaceId }, query: after === undefined ? {} : { after } });
      out.push(...page.events);
      const last = page.events.at(-1);
      if (page.events.length < MAX_MEMBERSHIP_PAGE || last === undefined || (after !== undefined && last.seq <= after)) return out;
      after = last.seq;
    }
  }

  async #learnIdentities(refs: readonly DeviceRef[]): Promise<void> {
    if (refs.length === 0) return;
    for (const change of await this.#deps.identities.ensureKnown(refs)) {
      this.#deps.problems.report({
        code: 'identity_changed',
        message: `The certified key of ${change.userId} changed. Compare the new safety number before accepting it; until then nothing of that person is accepted.`,
      });
    }
  }

  async #afterVerified(workspaceId: string, before: ChainState | undefined, state: ChainState, added: readonly MembershipEvent[]): Promise<void> {
    const self = this.#deps.self;
    if (isMemberDevice(state, self)) {
      this.#deps.chains.setAccess(workspaceId, 'member');
    } else if (before !== undefined && isMemberDevice(before, self)) {
      this.#lostAccess(workspaceId, state, 'this device was removed from the workspace (confirmed by the verified chain)');
    }
    for (const listener of this.#verified) {
      try {
        await listener(workspaceId, state, added);
      } catch (error) {
        if (error instanceof RestError && error.code === 'offline') throw error;
        this.#log.warn({ workspaceId, reason: error instanceof Error ? error.message : 'unknown' }, 'post-verification step failed');
        if (error instanceof RestError) {
          this.#deps.problems.report({
            code: error.code === 'forbidden' ? 'forbidden' : 'server_error',
            message: `The server refused a membership step of workspace ${state.workspaceId}: ${error.code}.`,
            workspaceId,
          });
        }
      }
    }
  }

  #lostAccess(workspaceId: string, state: ChainState, why: string): void {
    const record = this.#deps.chains.workspaces().find((w) => w.workspaceId === workspaceId);
    if (record?.access === 'revoked') return;
    this.#deps.chains.setAccess(workspaceId, 'revoked');
    this.#deps.problems.report({ code: 'revoked', message: `No longer a member of workspace ${state.workspaceId}: ${why}.`, workspaceId });
    this.#changed.emit(workspaceId);
  }

  #refuse(workspaceId: string, held: ChainState | undefined, detail: string): ChainState | undefined {
    this.#refusedNow = true;
    this.#log.warn({ workspaceId }, 'membership chain refused');
    if (this.#reported.get(workspaceId) !== detail) {
      this.#reported.set(workspaceId, detail);
      this.#deps.problems.report({ code: 'chain_invalid', message: `The server's membership chain was refused: ${detail}. Nothing of it was applied.`, workspaceId });
    }
    return held;
  }

  async #guarded(workspaceId: string, task: () => Promise<unknown>): Promise<void> {
    try {
      await task();
    } catch (error) {
      if (error instanceof RestError && error.code !== 'offline') {
        this.#log.warn({ workspaceId, code: error.code }, 'workspace sync refused');
        this.#deps.problems.report({ code: 'server_error', message: `Syncing the membership of a workspace failed: ${error.code}.`, workspaceId });
        return;
      }
      throw error;
    }
  }

  #set(workspaceId: string, state: ChainState): void {
    this.#states.set(workspaceId, state);
    this.#reported.delete(workspaceId);
    this.#changed.emit(workspaceId);
  }

  /** Replay a stored chain with the keys each event was verified against when it arrived. */
  #load(workspaceId: string): void {
    let state: ChainState | null = null;
    for (const { event, authorKey } of this.#deps.chains.events(workspaceId)) {
      const result = appendCheck(state, event, () => authorKey);
      // The profile is authenticated storage of events verified before: a failure is a bug.
      if (!result.ok) throw new Error(`stored chain of ${workspaceId} does not replay at seq ${result.seq}: ${result.code}`);
      state = result.state;
    }
    if (state !== null) this.#states.set(workspaceId, state);
  }
}
