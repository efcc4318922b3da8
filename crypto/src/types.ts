/**
 * The shared vocabulary of the end-to-end protocol: the shapes every other package
 * (server, agent, tests) exchanges. Wire shapes that travel inside JSON carry bytes as
 * standard base64 strings; shapes that travel over socket.io carry raw bytes.
 */
import type { Bytes } from './bytes';

/**
 * Version of the whole wire protocol (REST bodies, socket.io events, envelopes). 2: every
 * envelope header names its author's verified membership-chain head (docs/design.md §12),
 * and the version byte is part of the header, the signed digest and the stream-key label.
 */
export const PROTOCOL_VERSION = 2 as const;

/** One device of one user: the libsignal address `userId.deviceId`. */
export interface DeviceRef {
  readonly userId: string;
  /** 1–127, as in Signal. */
  readonly deviceId: number;
}

/** Stable string form of a device, used as a map key (`userId.deviceId`). */
export function deviceKey(ref: DeviceRef): string {
  return `${ref.userId}.${ref.deviceId}`;
}

export const MIN_DEVICE_ID = 1;
export const MAX_DEVICE_ID = 127;

/** Roles of DOMAIN.md. `client` is the client person; every other role is a professional. */
export const ROLES = [
  'kela_expert',
  'social_worker',
  'health_professional',
  'employment_advisor',
  'teacher',
  'interpreter',
  'client',
] as const;
export type Role = (typeof ROLES)[number];

// ---------------------------------------------------------------------------------------
// Prekeys (JSON on the wire: base64 strings)

/** A signed public prekey as uploaded: EC (signed prekey) or Kyber. */
export interface SignedPublicPrekey {
  readonly id: number;
  /** base64 of the serialized public key */
  readonly publicKey: string;
  /** base64 of the XEdDSA signature by the identity key over the serialized public key */
  readonly signature: string;
}

/** A one-time EC prekey (unsigned, as in Signal). */
export interface PublicPrekey {
  readonly id: number;
  readonly publicKey: string;
}

/** What a device uploads at enrolment and at top-up: public halves only. */
export interface PrekeyUpload {
  /** base64 of the serialized identity PublicKey */
  readonly identityKey: string;
  readonly registrationId: number;
  readonly deviceId: number;
  readonly signedPreKey: SignedPublicPrekey;
  readonly lastResortKyberPreKey: SignedPublicPrekey;
  readonly oneTimePreKeys: readonly PublicPrekey[];
  readonly oneTimeKyberPreKeys: readonly SignedPublicPrekey[];
}

/**
 * What the prekey directory hands out for one device: the one-time EC prekey may be
 * missing (exhausted); the Kyber prekey is a one-time one or, when none is left, the
 * last-resort one.
 */
export interface ClaimedBundle {
  readonly device: DeviceRef;
  readonly registrationId: number;
  readonly identityKey: string;
  readonly signedPreKey: SignedPublicPrekey;
  readonly kyberPreKey: SignedPublicPrekey;
  readonly preKey?: PublicPrekey;
}

// ---------------------------------------------------------------------------------------
// Pairwise control messages (mailbox items)

/** A libsignal ciphertext between two devices: `prekey` (first contact) or `signal`. */
export interface ControlMessage {
  readonly kind: 'prekey' | 'signal';
  /** base64 of the serialized libsignal message */
  readonly body: string;
}

/** One item waiting in a device's mailbox on the server. */
export interface MailboxItem {
  /** server-assigned id, used to acknowledge (ack deletes) */
  readonly id: string;
  readonly from: DeviceRef;
  readonly to: DeviceRef;
  readonly message: ControlMessage;
  /** ms since epoch, server clock */
  readonly createdAt: number;
}

// ---------------------------------------------------------------------------------------
// Envelopes (socket.io: raw bytes)

export const ENVELOPE_KINDS = ['update', 'snapshot', 'chat', 'presence', 'heartbeat', 'records'] as const;
export type EnvelopeKind = (typeof ENVELOPE_KINDS)[number];

/**
 * The authenticated, unencrypted header of an envelope. It is the AEAD's associated
 * data and part of the signed bytes; the server reads it to enforce its rules.
 */
export interface EnvelopeHeader {
  readonly v: typeof PROTOCOL_VERSION;
  readonly workspaceId: string;
  /** `doc:plan`, `doc:<meetingId>`, `chat`, `presence` */
  readonly stream: string;
  readonly kind: EnvelopeKind;
  /** epoch of the workspace key this envelope is sealed under */
  readonly epoch: number;
  readonly author: DeviceRef;
  /**
   * Per (author device, stream) counter; each update/chat/presence envelope is exactly
   * last + 1. Snapshots carry 0: they are ordered by the snapshot chain instead.
   */
  readonly clock: number;
  /**
   * update/chat: id of the active snapshot this envelope builds on ('' before the first
   * snapshot). snapshot: the new snapshot's own id.
   */
  readonly snapshotId: string;
  /** snapshot only: id of the snapshot it extends ('' for the first one). */
  readonly parentSnapshotId?: string;
  /** snapshot only: H(parent's proof ‖ H(parent's ciphertext)); 32 zero bytes for the first. */
  readonly parentProof?: Bytes;
  /** snapshot only: for each author device key (`userId.deviceId`), the last clock covered. */
  readonly coveredClocks?: Readonly<Record<string, number>>;
  /** author's clock, ms since epoch (informative; never trusted for ordering) */
  readonly sentAt: number;
  /**
   * The author's verified membership-chain head when it sealed: a reader that verified a
   * removal and rotation the author had not seen refuses what it wrote afterwards
   * (docs/design.md §12).
   */
  readonly chainHead: ChainHead;
}

/** A membership-chain head: the seq of the last verified event and its eventHash (64 hex digits). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** An envelope as it travels and is stored: all four parts are opaque bytes to the server. */
export interface WireEnvelope {
  /** canonical header bytes (see header encoding) */
  readonly header: Bytes;
  /** 12-byte random AES-GCM-SIV nonce */
  readonly nonce: Bytes;
  readonly ciphertext: Bytes;
  /** 64-byte XEdDSA signature over SHA-256(header ‖ nonce ‖ ciphertext) */
  readonly signature: Bytes;
}

// ---------------------------------------------------------------------------------------
// Membership chain (JSON on the wire)

export const WORKSPACE_KINDS = ['case', 'consultation'] as const;
export type WorkspaceKind = (typeof WORKSPACE_KINDS)[number];

export const MEMBERSHIP_EVENT_TYPES = [
  'create',
  'add_member',
  'remove_member',
  'add_device',
  'remove_device',
  'grant_consent',
  'revoke_consent',
  'rotate_epoch',
  'close',
  'record_basis',
] as const;
export type MembershipEventType = (typeof MEMBERSHIP_EVENT_TYPES)[number];

/**
 * A device as the chain names it: by id and by the hash of its identity key (hex SHA-256
 * of the serialized key), so the chain admits exactly the certified device its author
 * verified, never another key that later appears under the same id.
 */
export interface MemberDevice {
  readonly deviceId: number;
  readonly keyHash: string;
}

/** A member as recorded in the chain. */
export interface MemberInfo {
  readonly userId: string;
  readonly orgId: string;
  readonly role: Role;
  /** owners may add and remove members */
  readonly owner: boolean;
  readonly devices: readonly MemberDevice[];
}

export interface MembershipPayloads {
  /**
   * the author becomes the first owner; the label (may be pseudonymous) is not here: only a
   * salted commitment to it, the label itself travels encrypted to members (workspace-texts.ts)
   */
  create: { kind: WorkspaceKind; labelCommitment: string; creator: MemberInfo };
  add_member: { member: MemberInfo };
  remove_member: { userId: string };
  add_device: { userId: string; deviceId: number; keyHash: string };
  remove_device: { userId: string; deviceId: number };
  /**
   * by the client's own device: which organisations may take part, for what purpose, until
   * when. The client's answer: professionals of any other organisation leave with it
   * (membership-rules.ts). `handOverTo`/`close`: see {@link ConsentEnding}.
   */
  grant_consent: { orgIds: string[]; purposeCommitment: string; expiresAt?: number } & ConsentEnding;
  /** removes those organisations' members and requires an epoch rotation */
  revoke_consent: { orgIds: string[] } & ConsentEnding;
  /**
   * the new epoch number: exactly current + 1; `cut`: for each device no longer in the
   * workspace and each stream the rotating device follows, the last clock of that device it
   * accepted — nothing the device authors past it under an older epoch is accepted by any
   * agent. Absent in events written before the cut existed.
   */
  rotate_epoch: { epoch: number; cut?: readonly ClockCut[] };
  close: Record<string, never>;
  /**
   * by an owner, for a professional of the owner's own organisation: the statutory basis on
   * which he takes part without the client's consent (e.g. the coordinating social worker
   * under the Social Welfare Act). Only a salted commitment to the basis text: the text
   * travels encrypted to members (workspace-texts.ts), as a statute would tell the server what
   * kind of case this is. `null` withdraws the basis in force.
   */
  record_basis: { userId: string; basisCommitment: string | null };
}

/**
 * What a consent event that would remove every owner does instead of leaving the case
 * ownerless (issue 13): hands ownership to a remaining professional (`handOverTo`, his
 * userId) or closes the case (`close`). Allowed only on an event that removes the last owner.
 */
export interface ConsentEnding {
  handOverTo?: string;
  close?: true;
}

/** One entry of a rotation's clock cut: `device` (`userId.deviceId`) authored up to `clock` on `stream`. */
export interface ClockCut {
  readonly device: string;
  readonly stream: string;
  readonly clock: number;
}

/** A signed membership event; `prevHash` is hex SHA-256 of the previous event's canonical bytes. */
export type MembershipEvent<T extends MembershipEventType = MembershipEventType> = {
  [K in T]: {
    readonly workspaceId: string;
    /** 0 for create, then +1 */
    readonly seq: number;
    /** hex; 64 zeros for seq 0 */
    readonly prevHash: string;
    readonly type: K;
    readonly payload: MembershipPayloads[K];
    readonly author: DeviceRef;
    /** ms since epoch, signed by the author (consent expiry is judged against it) */
    readonly at: number;
    /** base64 XEdDSA signature by the author's identity key */
    readonly signature: string;
  };
}[T];

/**
 * The organisation every client person belongs to. The server puts the `client` user an
 * invitation creates into it (creating it with the first invitation) and never lists its
 * users in the directory, so an owner adding an invited client to a chain
 * (`add_member`, role `client`) names it from here.
 */
export const CLIENTS_ORG_ID = 'clients';
