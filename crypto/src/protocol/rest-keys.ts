/**
 * REST bodies of the prekey directory (docs/design.md §3): top-ups, signed prekey rotation,
 * counts, bundle claims, and the device list of a user.
 */
import { z } from 'zod';
import { claimedBundleSchema, prekeyTopUpSchema, signedPublicPrekeySchema } from '../prekeys';
import { MAX_DEVICE_ID } from '../types';
import { base64BytesSchema, deviceIdSchema, idSchema, nonNegativeIntSchema, registrationIdSchema } from './fields';

/** A serialized libsignal identity PublicKey: a type byte and 32 key bytes. */
const IDENTITY_KEY_BYTES = 33;

/** `POST /v1/prekeys` body: a top-up of one-time prekeys for the logged-in device. */
export const topUpPrekeysRequestSchema = z.strictObject(prekeyTopUpSchema.shape);
/** `POST /v1/prekeys` body. */
export type TopUpPrekeysRequest = z.infer<typeof topUpPrekeysRequestSchema>;

/** Remaining one-time prekeys of the logged-in device (answer of top-up and count). */
export const prekeyCountResponseSchema = z.strictObject({ ec: nonNegativeIntSchema, kyber: nonNegativeIntSchema });
/** Remaining one-time prekeys. */
export type PrekeyCountResponse = z.infer<typeof prekeyCountResponseSchema>;

/** `PUT /v1/prekeys/signed` body: a rotated signed EC prekey. */
export const replaceSignedPreKeyRequestSchema = z.strictObject({ signedPreKey: signedPublicPrekeySchema });
/** `PUT /v1/prekeys/signed` body. */
export type ReplaceSignedPreKeyRequest = z.infer<typeof replaceSignedPreKeyRequestSchema>;

/**
 * `POST /v1/bundles/claim` body: bundles of a user's devices (all current ones when
 * `deviceIds` is absent). Each claim consumes one-time prekeys, hence POST.
 */
export const claimBundlesRequestSchema = z.strictObject({
  userId: idSchema,
  deviceIds: z
    .array(deviceIdSchema)
    .min(1)
    .max(MAX_DEVICE_ID)
    .refine((ids) => new Set(ids).size === ids.length, 'device ids must be unique')
    .optional(),
});
/** `POST /v1/bundles/claim` body. */
export type ClaimBundlesRequest = z.infer<typeof claimBundlesRequestSchema>;
/** `POST /v1/bundles/claim` response. */
export const claimBundlesResponseSchema = z.strictObject({
  bundles: z.array(claimedBundleSchema).max(MAX_DEVICE_ID),
});
/** `POST /v1/bundles/claim` response. */
export type ClaimBundlesResponse = z.infer<typeof claimBundlesResponseSchema>;

/** One registered device of a user, as the directory lists it (public data only). */
const deviceSummarySchema = z.strictObject({
  deviceId: deviceIdSchema,
  identityKey: base64BytesSchema(IDENTITY_KEY_BYTES, IDENTITY_KEY_BYTES),
  registrationId: registrationIdSchema,
});

/** `GET /v1/users/:userId/devices` response. */
export const listDevicesResponseSchema = z.strictObject({
  devices: z.array(deviceSummarySchema).max(MAX_DEVICE_ID),
});
/** `GET /v1/users/:userId/devices` response. */
export type ListDevicesResponse = z.infer<typeof listDevicesResponseSchema>;
