/**
 * Signing bytes, hashes and signatures of membership events. Both the signed bytes and the
 * hash are canonical JSON built field by field from the typed event, so a property that is
 * not part of the protocol can never slip into (or out of) what is signed.
 */
import type { PrivateKey } from '@signalapp/libsignal-client';
import { canonicalJson, fromBase64, sha256, toBase64, toHex, utf8 } from './bytes';
import type { Bytes, JsonValue } from './bytes';
import { parseMembershipEvent } from './membership-schema';
import { verifySignature } from './signature-check';
import type { IdentityKeyInput } from './signature-check';
import type { ConsentEnding, DeviceRef, MemberInfo, MembershipEvent, MembershipEventType } from './types';

/** prevHash of the `create` event: 64 zeros. */
export const GENESIS_PREV_HASH = '0'.repeat(64);

/** Domain separation: a membership signature can never be mistaken for any other signature. */
const SIGNING_CONTEXT = 'yhteispoyta/membership-event/v1\n';

/** A membership event before signing; distributes over event types so `type` still narrows `payload`. */
export type UnsignedMembershipEvent<T extends MembershipEventType = MembershipEventType> = T extends MembershipEventType
  ? Omit<MembershipEvent<T>, 'signature'>
  : never;

function deviceJson(ref: DeviceRef): JsonValue {
  return { userId: ref.userId, deviceId: ref.deviceId };
}

function memberJson(m: MemberInfo): JsonValue {
  return { userId: m.userId, orgId: m.orgId, role: m.role, owner: m.owner, devices: m.devices.map((d) => ({ deviceId: d.deviceId, keyHash: d.keyHash })) };
}

/** Events without a hand-over or closing are signed exactly as before these fields existed. */
function endingJson(ending: ConsentEnding): { [key: string]: JsonValue } {
  return { ...(ending.handOverTo === undefined ? {} : { handOverTo: ending.handOverTo }), ...(ending.close === undefined ? {} : { close: ending.close }) };
}

function payloadJson(event: UnsignedMembershipEvent): JsonValue {
  switch (event.type) {
    case 'create':
      return { kind: event.payload.kind, labelCommitment: event.payload.labelCommitment, creator: memberJson(event.payload.creator) };
    case 'add_member':
      return { member: memberJson(event.payload.member) };
    case 'remove_member':
      return { userId: event.payload.userId };
    case 'add_device':
      return { userId: event.payload.userId, deviceId: event.payload.deviceId, keyHash: event.payload.keyHash };
    case 'remove_device':
      return { userId: event.payload.userId, deviceId: event.payload.deviceId };
    case 'grant_consent': {
      const { orgIds, purposeCommitment, expiresAt } = event.payload;
      return {
        orgIds: [...orgIds],
        purposeCommitment,
        ...(expiresAt === undefined ? {} : { expiresAt }),
        ...endingJson(event.payload),
      };
    }
    case 'revoke_consent':
      return { orgIds: [...event.payload.orgIds], ...endingJson(event.payload) };
    case 'rotate_epoch': {
      const { epoch, cut } = event.payload;
      // Events from before the cut existed carry none and are signed without it.
      return cut === undefined ? { epoch } : { epoch, cut: cut.map((c) => ({ device: c.device, stream: c.stream, clock: c.clock })) };
    }
    case 'close':
      return {};
    case 'record_basis':
      return { userId: event.payload.userId, basisCommitment: event.payload.basisCommitment };
  }
}

function unsignedJson(event: UnsignedMembershipEvent): { [key: string]: JsonValue } {
  return {
    workspaceId: event.workspaceId,
    seq: event.seq,
    prevHash: event.prevHash,
    type: event.type,
    payload: payloadJson(event),
    author: deviceJson(event.author),
    at: event.at,
  };
}

/** The bytes an author signs: UTF-8 of the domain string followed by the event's canonical JSON. */
export function eventSigningBytes(event: UnsignedMembershipEvent): Bytes {
  return utf8(SIGNING_CONTEXT + canonicalJson(unsignedJson(event)));
}

/** Hex SHA-256 of the canonical JSON of the whole event, signature included: the next event's prevHash. */
export function eventHash(event: MembershipEvent): string {
  return toHex(sha256(utf8(canonicalJson({ ...unsignedJson(event), signature: event.signature }))));
}

/**
 * Signs an event with the author device's identity key. Throws RangeError if the signed
 * event would not pass {@link parseMembershipEvent} (out-of-range or unknown fields): the
 * server and every client would reject it, so it must not leave this device.
 */
export function signEvent<T extends MembershipEventType>(unsigned: UnsignedMembershipEvent<T>, identityKey: PrivateKey): MembershipEvent<T> {
  const signature = toBase64(identityKey.sign(eventSigningBytes(unsigned)));
  const parsed = parseMembershipEvent({ ...unsigned, signature });
  if (!parsed.ok) throw new RangeError(`signEvent: invalid event: ${parsed.detail}`);
  // parse keeps `type` as given, so the event is still of type T.
  return parsed.event as MembershipEvent<T>;
}

/** True only when the event's signature verifies with the given identity key. Never throws. */
export function verifyEventSignature(event: MembershipEvent, identityKey: IdentityKeyInput): boolean {
  const signature = fromBase64(event.signature);
  if (signature === undefined) return false;
  return verifySignature(identityKey, eventSigningBytes(event), signature);
}
