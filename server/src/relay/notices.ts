/**
 * Notices that start on the REST side (the hub, context.ts) as relay fan-out: mailbox
 * notices to the device; membership notices to the workspace's room and to every member
 * device, and for each removed device `revoked` — after its connections have already been
 * taken out of the room; `certificates` and `enrolment` notices to the devices the
 * service chose.
 *
 * Why member devices too: a device joins the workspace's room only while it syncs a
 * document or the chat of that workspace, yet its verified member list, consent and the
 * epoch must follow every change (a client who only looks at the member list would
 * otherwise see a stale one until its next reconnection).
 */
import type { RevokeReason, RevokedNotice } from '@yhteispoyta/crypto/protocol';
import type { MembershipEvent, MembershipEventType } from '@yhteispoyta/crypto/types';
import type { HubEvents, Needs } from '../context';
import { toDevices } from './fan-out';
import type { FanOut } from './fan-out';

type MembershipChange = HubEvents['membership'][0];

function reasonOf(type: MembershipEventType | undefined): RevokeReason {
  if (type === 'remove_device') return 'device_removed';
  // A grant that leaves an organisation out removes its professionals as a revocation does.
  if (type === 'revoke_consent' || type === 'grant_consent') return 'consent_revoked';
  return 'member_removed';
}

/**
 * What a membership change sends at once: removed devices leave the room first (they
 * receive nothing of this workspace from here on), then one notice to the room and every
 * member device (a connection in several of these rooms is told once).
 */
function membershipFanOut(change: MembershipChange): FanOut {
  const { workspaceId, seq } = change;
  return [
    ...(change.removed.length === 0 ? [] : [{ kind: 'evict', workspaceId, devices: change.removed } as const]),
    {
      kind: 'notice',
      to: [{ workspace: workspaceId }, ...change.members.map((device) => ({ device }))],
      exceptSender: false,
      notice: { event: 'membership', payload: { workspaceId, seq } },
    },
  ];
}

/**
 * `revoked` for each removed device, with the reason read from the type of the chain
 * event at `seq` and that signed event itself (so the device can tell its person who
 * removed him and when). If that event cannot be read the devices are still told, as
 * `member_removed`: the notice must not be lost, and the agent confirms the reason from
 * the chain. Never rejects.
 */
async function revokedFanOut(deps: Needs<'workspaces', 'log'>, change: MembershipChange): Promise<FanOut> {
  let event: MembershipEvent | undefined;
  try {
    const [entry] = await deps.store.workspaces.listMembershipEvents(change.workspaceId, change.seq - 1, 1);
    event = entry?.event;
  } catch (err) {
    deps.log.error({ err, workspaceId: change.workspaceId }, 'could not read the membership event behind a removal');
  }
  // The signed event goes along: the removed device can no longer read the chain, and verifies it itself.
  return toDevices(change.removed, {
    event: 'revoked',
    // The stored event was parsed by the event schema when appended; only readonly arrays differ from the wire type.
    payload: { workspaceId: change.workspaceId, reason: reasonOf(event?.type), ...(event === undefined ? {} : { event: event as RevokedNotice['event'] }) },
  });
}

/**
 * Subscribes to the hub and hands every resulting fan-out to `carryOut` (a transport's
 * emitter). A removal's `revoked` notices follow once the chain event is read. Returns
 * the unsubscribe function.
 */
export function relayHubNotices(deps: Needs<'workspaces', 'hub' | 'log'>, carryOut: (fanOut: FanOut) => void): () => void {
  const { hub } = deps;
  // Hub listeners run inside the emitting service's call: a failing transport must not
  // fail the REST request that caused the notice.
  const carry = (fanOut: FanOut): void => {
    try {
      carryOut(fanOut);
    } catch (err) {
      deps.log.error({ err }, 'fan-out of a hub notice failed');
    }
  };
  const onMailbox = (notice: HubEvents['mailbox'][0]): void => carry(toDevices([notice.to], { event: 'mailbox', payload: { pending: notice.pending } }));
  const onMembership = (change: MembershipChange): void => {
    carry(membershipFanOut(change));
    if (change.removed.length > 0) void revokedFanOut(deps, change).then(carry);
  };
  const onCertificates = (notice: HubEvents['certificates'][0]): void =>
    carry(toDevices(notice.to, { event: 'certificates', payload: { userId: notice.userId } }));
  const onEnrolment = (notice: HubEvents['enrolment'][0]): void => carry(toDevices(notice.to, { event: 'enrolment', payload: { codeId: notice.codeId } }));
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
