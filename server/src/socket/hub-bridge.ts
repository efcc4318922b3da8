/**
 * Hub notifications of the HTTP side delivered to sockets: mailbox notices to the
 * device's room, membership notices to the workspace's room and to every member device's
 * own room, and for each removed device `revoked` — after its sockets have already been
 * taken out of the room; `certificates` and `enrolment` notices to the device rooms the
 * service chose.
 *
 * Why member devices too: a device joins the workspace's room only while it syncs a
 * document or the chat of that workspace, yet its verified member list, consent and the
 * epoch must follow every change (a client who only looks at the member list would
 * otherwise see a stale one until its next reconnection).
 */
import type { MembershipEventType } from '@yhteispoyta/crypto/types';
import type { RevokeReason } from '@yhteispoyta/crypto/protocol';
import type { HubEvents } from '../context';
import type { Relay } from './relay';
import { deviceRoom, workspaceRoom } from './rooms';

function reasonOf(type: MembershipEventType | undefined): RevokeReason {
  if (type === 'remove_device') return 'device_removed';
  if (type === 'revoke_consent') return 'consent_revoked';
  return 'member_removed';
}

/**
 * Tells removed devices why they lost access, from the type of the chain event at
 * `seq`. If that event cannot be read the devices are still told, as `member_removed`:
 * the notice must not be lost, and the agent confirms the reason from the chain.
 */
async function notifyRevoked(relay: Relay, change: HubEvents['membership'][0]): Promise<void> {
  let type: MembershipEventType | undefined;
  try {
    const [entry] = await relay.ctx.store.workspaces.listMembershipEvents(change.workspaceId, change.seq - 1, 1);
    type = entry?.event.type;
  } catch (err) {
    relay.log.error({ err, workspaceId: change.workspaceId }, 'could not read the membership event behind a removal');
  }
  for (const ref of change.removed) {
    relay.io.to(deviceRoom(ref)).emit('revoked', { workspaceId: change.workspaceId, reason: reasonOf(type) });
  }
}

/** Subscribes to the hub; returns the unsubscribe function. */
export function bridgeHub(relay: Relay): () => void {
  const { hub } = relay.ctx;
  const onMailbox = (notice: HubEvents['mailbox'][0]): void => {
    relay.io.to(deviceRoom(notice.to)).emit('mailbox', { pending: notice.pending });
  };
  const onMembership = (change: HubEvents['membership'][0]): void => {
    const room = workspaceRoom(change.workspaceId);
    // Synchronously, before anything else can be fanned out: a removed device receives
    // nothing of this workspace from here on.
    for (const ref of change.removed) relay.io.in(deviceRoom(ref)).socketsLeave(room);
    // One emit to the union of the rooms: a device in several of them is told once.
    relay.io.to([room, ...change.members.map(deviceRoom)]).emit('membership', { workspaceId: change.workspaceId, seq: change.seq });
    if (change.removed.length > 0) void notifyRevoked(relay, change);
  };
  const onCertificates = (notice: HubEvents['certificates'][0]): void => {
    if (notice.to.length > 0) relay.io.to(notice.to.map(deviceRoom)).emit('certificates', { userId: notice.userId });
  };
  const onEnrolment = (notice: HubEvents['enrolment'][0]): void => {
    if (notice.to.length > 0) relay.io.to(notice.to.map(deviceRoom)).emit('enrolment', { codeId: notice.codeId });
  };
  hub.on('mailbox', onMailbox);
  hub.on('membership', onMembership);
  hub.on('certificates', onCertificates);
  hub.on('enrolment', onEnrolment);
  return () => {
    hub.off('mailbox', onMailbox);
    hub.off('membership', onMembership);
    hub.off('certificates', onCertificates);
    hub.off('enrolment', onEnrolment);
  };
}
