/**
 * The zod schema of a membership event as it arrives from the server or another client.
 * Objects are strict (unknown keys are refused) so that what was parsed is exactly what was
 * signed and hashed; every string and array is bounded.
 */
import { z } from 'zod';
import { isWellFormedText, utf8Length } from './byte-codec';
import { fromBase64 } from './bytes';
import { MAX_ID_BYTES } from './header';
import { MAX_DEVICE_ID, MIN_DEVICE_ID, ROLES, WORKSPACE_KINDS } from './types';
import type { MembershipEvent } from './types';
import { textCommitmentSchema } from './workspace-texts';

/** Most organisations one consent event may name. */
const MAX_CONSENT_ORGS = 64;
/** Size of a decoded event signature (XEdDSA). */
const EVENT_SIGNATURE_BYTES = 64;

const allUnique = (values: readonly unknown[]): boolean => new Set(values).size === values.length;

/** Ids share the header's limit so that any member can also author envelopes. */
const idSchema = z
  .string()
  .min(1)
  .max(MAX_ID_BYTES)
  .refine((s) => isWellFormedText(s) && utf8Length(s) <= MAX_ID_BYTES, `must be well-formed UTF-8 of at most ${MAX_ID_BYTES} bytes`);

const deviceIdSchema = z.int().min(MIN_DEVICE_ID).max(MAX_DEVICE_ID);
const timestampSchema = z.int().min(0);
const orgIdsSchema = z.array(idSchema).min(1).max(MAX_CONSENT_ORGS).refine(allUnique, 'orgIds must be unique');

const keyHashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');

/** A device named by the chain: its id and the hash of its identity key. */
const memberDeviceSchema = z.strictObject({ deviceId: deviceIdSchema, keyHash: keyHashSchema });

/** A member as recorded in the chain (creator of `create`, member of `add_member`). */
const memberInfoSchema = z.strictObject({
  userId: idSchema,
  orgId: idSchema,
  role: z.enum(ROLES),
  owner: z.boolean(),
  devices: z
    .array(memberDeviceSchema)
    .max(MAX_DEVICE_ID)
    .refine((devices) => allUnique(devices.map((d) => d.deviceId)), 'devices must be unique'),
});

/** Most entries of one rotation's clock cut (devices no longer in the workspace × streams). */
const MAX_CUT_ENTRIES = 4096;

/** A rotation's clock cut: unique (device, stream) pairs, each with the last clock accepted from it. */
const clockCutSchema = z
  .array(
    z.strictObject({
      device: z.string().min(3).max(MAX_ID_BYTES + 4).regex(/^.+\.[1-9][0-9]{0,2}$/s, 'must be userId.deviceId'),
      stream: z.string().min(1).max(MAX_ID_BYTES).refine(isWellFormedText, 'must be well-formed UTF-8'),
      clock: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
    }),
  )
  .max(MAX_CUT_ENTRIES)
  .refine((cut) => allUnique(cut.map((c) => `${c.device}\u0000${c.stream}`)), 'cut entries must be unique per device and stream');

/** A consent event's way out when it removes every owner (types.ts ConsentEnding). */
const consentEnding = { handOverTo: idSchema.optional(), close: z.literal(true).optional() };

const deviceRefSchema = z.strictObject({ userId: idSchema, deviceId: deviceIdSchema });

/** Fields every event carries; the variants add `type` and `payload`. */
const baseFields = {
  workspaceId: idSchema,
  seq: z.int().min(0),
  prevHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  author: deviceRefSchema,
  at: timestampSchema,
  signature: z.string().refine((s) => fromBase64(s)?.byteLength === EVENT_SIGNATURE_BYTES, 'must be base64 of 64 bytes'),
};

const variant = <T extends string, P extends z.ZodType>(type: T, payload: P) =>
  z.strictObject({ ...baseFields, type: z.literal(type), payload });

/** Schema of a signed membership event; the payload schema is chosen by `type`. */
export const membershipEventSchema = z.discriminatedUnion('type', [
  // Label and purpose only as commitments: the texts travel encrypted (workspace-texts.ts).
  variant('create', z.strictObject({ kind: z.enum(WORKSPACE_KINDS), labelCommitment: textCommitmentSchema, creator: memberInfoSchema })),
  variant('add_member', z.strictObject({ member: memberInfoSchema })),
  variant('remove_member', z.strictObject({ userId: idSchema })),
  variant('add_device', z.strictObject({ userId: idSchema, deviceId: deviceIdSchema, keyHash: keyHashSchema })),
  variant('remove_device', z.strictObject({ userId: idSchema, deviceId: deviceIdSchema })),
  variant(
    'grant_consent',
    z.strictObject({ orgIds: orgIdsSchema, purposeCommitment: textCommitmentSchema, expiresAt: timestampSchema.optional(), ...consentEnding }),
  ),
  variant('revoke_consent', z.strictObject({ orgIds: orgIdsSchema, ...consentEnding })),
  variant('rotate_epoch', z.strictObject({ epoch: z.int().min(2).max(0xffff_ffff), cut: clockCutSchema.optional() })),
  variant('close', z.record(z.string(), z.never())),
  // The basis only as a commitment (workspace-texts.ts); null withdraws it.
  variant('record_basis', z.strictObject({ userId: idSchema, basisCommitment: textCommitmentSchema.nullable() })),
]);

/** Result of {@link parseMembershipEvent}. */
export type ParseEventResult =
  | { readonly ok: true; readonly event: MembershipEvent }
  | { readonly ok: false; readonly detail: string };

/** Parses an untrusted value into a membership event (signature not checked). Never throws. */
export function parseMembershipEvent(value: unknown): ParseEventResult {
  try {
    const parsed = membershipEventSchema.safeParse(value);
    if (!parsed.success) return { ok: false, detail: z.prettifyError(parsed.error) };
    const event: MembershipEvent = parsed.data;
    return { ok: true, event };
  } catch {
    // Only reachable with exotic values (throwing getters, proxies): never JSON.
    return { ok: false, detail: 'unreadable value' };
  }
}
