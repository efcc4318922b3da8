/**
 * Challenge–response login (docs/design.md §3): the server hands out a single-use random nonce,
 * the device signs `loginSigningBytes(nonce, device)` with its identity key, the server
 * verifies against the registered identity key and issues a random bearer token. The
 * store keeps only the token's hash; the token itself exists once, in the response.
 */
import { LOGIN_NONCE_BYTES, ProtocolError, loginSigningBytes, sessionTokenSchema } from '@yhteispoyta/crypto/protocol';
import type { AuthChallengeResponse, LoginRequest, LoginResponse } from '@yhteispoyta/crypto/protocol';
import { fromBase64, randomBytes, toBase64 } from '@yhteispoyta/crypto/bytes';
import { verifySignature } from '@yhteispoyta/crypto/signature-check';
import type { DeviceRef, Role } from '@yhteispoyta/crypto/types';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import { recordAudit } from './audit';
import { randomId, randomSecret } from './ids';

/** A device whose bearer token checked out, with what its user is. */
export interface AuthenticatedDevice {
  userId: string;
  deviceId: number;
  orgId: string;
  role: Role;
  /** ms since epoch: when the session token stops working */
  expiresAt: number;
}

/** How long a login nonce may be answered. Short: the device signs it right away. */
const CHALLENGE_TTL_MS = 60_000;

/** Bytes of randomness in a session token (base64url: 43 characters). */
const TOKEN_BYTES = 32;

/** The DeviceRef half of an authenticated device. */
export function deviceRefOf(device: AuthenticatedDevice): DeviceRef {
  return { userId: device.userId, deviceId: device.deviceId };
}

/**
 * Issue a login challenge for a device. A challenge is issued for any well-formed device
 * reference, registered or not, so that this unauthenticated route is no oracle for
 * which devices exist; an unknown device simply cannot answer it.
 */
export async function issueChallenge(ctx: Needs<'auth', 'now'>, device: DeviceRef): Promise<AuthChallengeResponse> {
  const now = ctx.now();
  const nonce = randomBytes(LOGIN_NONCE_BYTES);
  const challenge = { id: randomId(), device: { userId: device.userId, deviceId: device.deviceId }, nonce, createdAt: now, expiresAt: now + CHALLENGE_TTL_MS };
  const created = await ctx.store.auth.createChallenge(challenge);
  // 128 random bits colliding means the random source is broken: fail loudly.
  if (!created.ok) throw new Error('challenge id collision');
  return { challengeId: challenge.id, nonce: toBase64(nonce), expiresAt: challenge.expiresAt };
}

/**
 * Answer a challenge: consumes it (whatever the outcome, so each nonce gets one try),
 * verifies the signature with the device's registered identity key and issues a token.
 * Every failure is thrown as a {@link ProtocolError} (the HTTP layer audits it as a
 * denial); unknown device and wrong signature give the same answer.
 */
export async function login(ctx: Needs<'auth' | 'directory' | 'audit', 'now' | 'config'>, request: LoginRequest): Promise<LoginResponse> {
  const now = ctx.now();
  const taken = await ctx.store.auth.consumeChallenge(request.challengeId, now);
  if (!taken.ok) {
    const reason = { reason: `challenge_${taken.code}` };
    if (taken.code === 'expired') throw new ProtocolError('expired', 'the challenge has expired', reason);
    throw new ProtocolError('unauthenticated', 'unknown or already used challenge', reason);
  }
  const { device, nonce } = taken.record;
  const registered = await ctx.store.directory.getDevice(device);
  const user = registered === null ? null : await ctx.store.directory.getUser(device.userId);
  const signature = fromBase64(request.signature);
  const valid =
    registered !== null &&
    user !== null &&
    signature !== undefined &&
    verifySignature(registered.identityKey, loginSigningBytes(nonce, device), signature);
  if (!valid) {
    // The device goes into `details`: recorded in the denial's audit entry, never in the REST body.
    throw new ProtocolError('unauthenticated', 'login failed', { device: deviceKey(device) });
  }
  const token = randomSecret('', TOKEN_BYTES);
  const expiresAt = now + ctx.config.sessionTtlSeconds * 1000;
  await ctx.store.auth.createSession({ token, device, createdAt: now, expiresAt });
  await recordAudit(ctx, { actor: device, action: 'login', detail: { expiresAt: String(expiresAt) } });
  return { token, expiresAt };
}

/**
 * The device behind a bearer token, or null for a malformed, unknown or expired token,
 * an unregistered device, or a user that no longer exists. Never throws on hostile input
 * (store failures still reject).
 */
export async function authenticateToken(ctx: Needs<'auth' | 'directory', 'now'>, token: string): Promise<AuthenticatedDevice | null> {
  if (!sessionTokenSchema.safeParse(token).success) return null;
  const session = await ctx.store.auth.getSession(token, ctx.now());
  if (session === null) return null;
  const device = await ctx.store.directory.getDevice(session.device);
  if (device === null) return null;
  const user = await ctx.store.directory.getUser(session.device.userId);
  if (user === null) return null;
  return {
    userId: user.id,
    deviceId: device.deviceId,
    orgId: user.orgId,
    role: user.role,
    expiresAt: session.expiresAt,
  };
}
