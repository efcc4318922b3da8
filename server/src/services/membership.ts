/**
 * Workspaces and their membership chains on the server (docs/design.md §4): a workspace is
 * created from a signed `create` event, and every later event is validated with the
 * crypto module's `appendCheck` against the verified current state, checked against the
 * directory, stored with compare-and-set, and reflected in the store's member view.
 * Clients re-verify the whole chain themselves; these checks keep the stored chain valid.
 */
import { appendCheck, hasDevice } from '@yhteispoyta/crypto/membership';
import type { ChainError, ChainState } from '@yhteispoyta/crypto/membership';
import { KeyedQueue } from '@yhteispoyta/common/queue';
import { ID_PATTERN, ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef, MembershipEvent } from '@yhteispoyta/crypto/types';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import { ZERO_HASH_HEX } from '../store/port';
import type { WorkspaceStore } from '../store/port';
import { recordAudit } from './audit';
import { currentChainState, forgetChainState, identityLookupFor, rememberChainState } from './chain-cache';
import type { ChainReader } from './chain-cache';
import { checkEventAgainstDirectory } from './membership-directory';

/**
 * How far an event's signed time may be from the server clock. Consent expiry is judged
 * against the event's own `at`; without this bound an owner could backdate an event to
 * slip in a member under an expired consent.
 */
const MAX_EVENT_CLOCK_SKEW_MS = 10 * 60_000;

/**
 * What appending to a chain needs: the chain, the directory and certificates the event is
 * checked against, the audit log, and the hub that tells the relay.
 */
export type MembershipWriter = Needs<'workspaces' | 'directory' | 'certificates' | 'audit', 'now' | 'log' | 'hub'>;

// Keyed by the store's workspace part, like the chain cache: copies of a context share their locks.
const locks = new WeakMap<WorkspaceStore, KeyedQueue>();

/** Appends to one workspace run one at a time in this process (other processes: compare-and-set). */
function lockOf(ctx: Needs<'workspaces'>): KeyedQueue {
  let lock = locks.get(ctx.store.workspaces);
  if (lock === undefined) {
    lock = new KeyedQueue();
    locks.set(ctx.store.workspaces, lock);
  }
  return lock;
}

/**
 * The verified current state of a workspace's membership chain, or null when there is
 * no such workspace. Uses a cached state that is advanced by every event stored after it.
 */
export async function chainStateOf(ctx: ChainReader, workspaceId: string): Promise<ChainState | null> {
  if (!ID_PATTERN.test(workspaceId)) return null;
  return currentChainState(ctx, workspaceId);
}

/** Whether `ref` is one of the current member devices of the chain state. */
export function isMemberDevice(state: ChainState, ref: DeviceRef): boolean {
  const member = state.members.get(ref.userId);
  return member !== undefined && hasDevice(member, ref.deviceId);
}

/**
 * The state of a workspace the device is a current member device of. An unknown
 * workspace and a foreign one get the same answer (403), so this is no oracle for which
 * workspace ids exist.
 */
export async function requireMemberState(ctx: ChainReader, device: DeviceRef, workspaceId: string): Promise<ChainState> {
  const state = await chainStateOf(ctx, workspaceId);
  if (state === null || !isMemberDevice(state, device)) {
    throw new ProtocolError('forbidden', 'not a member device of this workspace');
  }
  return state;
}

/** The wire error of a chain refusal; refusals of rights are 403, a chain that moved on is 409. */
function chainRefusal(error: ChainError): ProtocolError {
  const message = `membership event refused: ${error.code}`;
  switch (error.code) {
    case 'malformed':
    case 'wrong_workspace':
      return new ProtocolError('bad_request', message);
    case 'bad_signature':
      return new ProtocolError('bad_signature', message);
    case 'forbidden':
    case 'consent_scope':
    case 'ownerless':
      return new ProtocolError('forbidden', message);
    case 'fork':
    case 'gap':
    case 'bad_prev_hash':
      return new ProtocolError('conflict', message);
    case 'unknown_author':
    case 'closed':
    case 'bad_epoch':
    case 'invalid':
      return new ProtocolError('invalid_chain', message);
  }
}

function requireSignedByCaller(event: MembershipEvent, caller: DeviceRef, now: number): void {
  if (event.author.userId !== caller.userId || event.author.deviceId !== caller.deviceId) {
    throw new ProtocolError('forbidden', 'events must be signed by the logged-in device');
  }
  if (Math.abs(event.at - now) > MAX_EVENT_CLOCK_SKEW_MS) {
    throw new ProtocolError('bad_request', 'event time is too far from the server clock');
  }
}

/** Devices of `before` that are not in `after`. */
function removedDevices(before: ChainState, after: ChainState): DeviceRef[] {
  const remaining = new Set(after.devices.map(deviceKey));
  return before.devices.filter((d) => !remaining.has(deviceKey(d)));
}

async function publish(ctx: MembershipWriter, before: ChainState | null, after: ChainState, event: MembershipEvent): Promise<void> {
  const view = await ctx.store.workspaces.setMembershipView(after.workspaceId, { asOfSeq: after.seq, members: [...after.members.values()] });
  // `stale` means another process already stored a newer view: nothing to do.
  if (!view.ok) ctx.log.debug({ workspaceId: after.workspaceId, seq: after.seq }, 'membership view already newer');
  rememberChainState(ctx, after);
  await ctx.store.workspaces.touchWorkspace(after.workspaceId, ctx.now());
  ctx.hub.emit('membership', {
    workspaceId: after.workspaceId,
    seq: after.seq,
    removed: before === null ? [] : removedDevices(before, after),
    members: after.devices,
  });
  await recordAudit(ctx, {
    actor: event.author,
    action: 'membership_append',
    workspaceId: after.workspaceId,
    detail: { type: event.type, seq: String(event.seq) },
  });
}

/** Create a workspace from its signed `create` event, authored by the calling device. */
export async function createWorkspace(ctx: MembershipWriter, caller: DeviceRef, event: MembershipEvent<'create'>): Promise<{ workspaceId: string }> {
  if (!ID_PATTERN.test(event.workspaceId)) {
    throw new ProtocolError('bad_request', 'workspaceId must be 1-64 characters of [A-Za-z0-9_-]');
  }
  requireSignedByCaller(event, caller, ctx.now());
  const checked = appendCheck(null, event, await identityLookupFor(ctx, [event.author]));
  if (!checked.ok) throw chainRefusal(checked);
  await checkEventAgainstDirectory(ctx, checked.event);
  const workspaceId = checked.state.workspaceId;
  const created = await ctx.store.workspaces.createWorkspace({ id: workspaceId, kind: checked.state.kind, createdAt: ctx.now() });
  if (!created.ok) throw new ProtocolError('conflict', 'a workspace with this id exists');
  const stored = await ctx.store.workspaces.appendMembershipEvent(workspaceId, { event: checked.event, hash: checked.state.headHash }, 0, ZERO_HASH_HEX);
  if (!stored.ok) throw new ProtocolError('conflict', 'the workspace chain already started');
  await publish(ctx, null, checked.state, checked.event);
  return { workspaceId };
}

/**
 * Append the next signed event to a workspace's chain, authored by the calling device,
 * which must be a current member device. Returns the stored seq.
 */
export async function appendMembership(
  ctx: MembershipWriter,
  caller: DeviceRef,
  workspaceId: string,
  event: MembershipEvent,
): Promise<{ seq: number }> {
  if (event.workspaceId !== workspaceId) throw new ProtocolError('bad_request', 'event is for another workspace');
  return lockOf(ctx).run(workspaceId, async () => {
    const state = await requireMemberState(ctx, caller, workspaceId);
    requireSignedByCaller(event, caller, ctx.now());
    const checked = appendCheck(state, event, await identityLookupFor(ctx, [event.author]));
    if (!checked.ok) throw chainRefusal(checked);
    await checkEventAgainstDirectory(ctx, checked.event);
    const stored = await ctx.store.workspaces.appendMembershipEvent(
      workspaceId,
      { event: checked.event, hash: checked.state.headHash },
      state.seq + 1,
      state.headHash,
    );
    if (!stored.ok) {
      // Another process appended first: the cached state is behind.
      forgetChainState(ctx, workspaceId);
      throw new ProtocolError('conflict', 'the chain moved on; fetch it and retry', { expectedSeq: state.seq + 1 });
    }
    await publish(ctx, state, checked.state, checked.event);
    return { seq: checked.state.seq };
  });
}
