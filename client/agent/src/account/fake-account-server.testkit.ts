/**
 * FOR TESTS: the account routes of the server (enrolment, challenge–response login,
 * prekey count, top-up, signed-prekey replacement) as an in-memory `fetch`, verifying
 * what a real server verifies: every prekey signature and the login signature.
 */
import { PublicKey } from '@signalapp/libsignal-client';
import { fromBase64, randomBytes, toBase64 } from '@yhteispoyta/crypto/bytes';
import { verifyPrekeyTopUp, verifyPrekeyUpload, verifySignedPreKey } from '@yhteispoyta/crypto/prekeys';
import { enrolRequestSchema, loginRequestSchema, loginSigningBytes } from '@yhteispoyta/crypto/protocol';
import type { ErrorCode } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef, PrekeyUpload, Role, SignedPublicPrekey } from '@yhteispoyta/crypto/types';

interface Registered {
  readonly device: DeviceRef;
  readonly upload: PrekeyUpload;
  ec: number;
  kyber: number;
  signedPreKey: SignedPublicPrekey;
  topUps: number;
}

/** An in-memory stand-in for the account half of the server. */
export class FakeAccountServer {
  readonly codes = new Map<string, { userId: string; orgId: string; role: Role; displayName: string }>();
  readonly devices = new Map<string, Registered>();
  readonly challenges = new Map<string, { device: DeviceRef; nonce: Uint8Array }>();
  readonly tokens = new Map<string, { device: DeviceRef; expiresAt: number }>();
  /** every request, as `METHOD path` */
  readonly requests: string[] = [];
  sessionTtlMs = 3_600_000;
  now: () => number = Date.now;
  /** while true every request fails like a network error */
  down = false;

  /** Issue an enrolment code for a new user. */
  issueCode(code: string, user: { userId: string; orgId?: string; role?: Role; displayName?: string }): void {
    this.codes.set(code, { orgId: 'org1', role: 'social_worker', displayName: 'Maija Meikäläinen', ...user });
  }

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (this.down) throw new TypeError('fetch failed');
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const method = init?.method ?? 'GET';
    this.requests.push(`${method} ${url.pathname}`);
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const auth = new Headers(init?.headers).get('authorization') ?? '';
    const route = `${method} ${url.pathname}`;
    if (route === 'POST /v1/enrol') return this.#enrol(body);
    if (route === 'POST /v1/auth/challenge') return this.#challenge(body);
    if (route === 'POST /v1/auth/login') return this.#login(body);
    const session = this.tokens.get(auth.replace(/^Bearer /, ''));
    if (session === undefined || session.expiresAt <= this.now()) return error(401, 'unauthenticated');
    const device = this.devices.get(`${session.device.userId}.${session.device.deviceId}`);
    if (device === undefined) return error(401, 'unauthenticated');
    if (route === 'GET /v1/prekeys/count') return ok({ ec: device.ec, kyber: device.kyber });
    if (route === 'POST /v1/prekeys') return this.#topUp(device, body);
    if (route === 'PUT /v1/prekeys/signed') return this.#replaceSigned(device, body);
    return error(404, 'not_found');
  };

  #enrol(body: unknown): Response {
    const parsed = enrolRequestSchema.safeParse(body);
    if (!parsed.success) return error(400, 'bad_request');
    const user = this.codes.get(parsed.data.code);
    if (user === undefined) return error(404, 'not_found');
    const identityKey = fromBase64(parsed.data.prekeys.identityKey);
    if (identityKey === undefined || !verifyPrekeyUpload(identityKey, parsed.data.prekeys).ok) return error(400, 'bad_signature');
    this.codes.delete(parsed.data.code);
    const upload = parsed.data.prekeys;
    const device = { userId: user.userId, deviceId: upload.deviceId };
    this.devices.set(`${device.userId}.${device.deviceId}`, {
      device,
      upload,
      ec: upload.oneTimePreKeys.length,
      kyber: upload.oneTimeKyberPreKeys.length,
      signedPreKey: upload.signedPreKey,
      topUps: 0,
    });
    return ok({ userId: user.userId, deviceId: upload.deviceId, orgId: user.orgId, role: user.role, displayName: user.displayName });
  }

  #challenge(body: unknown): Response {
    const device = body as DeviceRef;
    const challengeId = `c${this.challenges.size + 1}`;
    const nonce = randomBytes(32);
    this.challenges.set(challengeId, { device: { userId: device.userId, deviceId: device.deviceId }, nonce });
    return ok({ challengeId, nonce: toBase64(nonce), expiresAt: this.now() + 60_000 });
  }

  #login(body: unknown): Response {
    const parsed = loginRequestSchema.safeParse(body);
    if (!parsed.success) return error(400, 'bad_request');
    const challenge = this.challenges.get(parsed.data.challengeId);
    this.challenges.delete(parsed.data.challengeId);
    if (challenge === undefined) return error(401, 'unauthenticated');
    const registered = this.devices.get(`${challenge.device.userId}.${challenge.device.deviceId}`);
    const signature = fromBase64(parsed.data.signature);
    const identityKey = registered === undefined ? undefined : fromBase64(registered.upload.identityKey);
    if (identityKey === undefined || signature === undefined) return error(401, 'unauthenticated');
    if (!PublicKey.deserialize(identityKey).verify(loginSigningBytes(challenge.nonce, challenge.device), signature)) {
      return error(401, 'unauthenticated');
    }
    const token = toBase64(randomBytes(32)).replace(/[+/=]/g, 'A');
    const expiresAt = this.now() + this.sessionTtlMs;
    this.tokens.set(token, { device: challenge.device, expiresAt });
    return ok({ token, expiresAt });
  }

  #topUp(device: Registered, body: unknown): Response {
    const identityKey = fromBase64(device.upload.identityKey);
    const checked = identityKey === undefined ? undefined : verifyPrekeyTopUp(identityKey, body);
    if (checked === undefined || !checked.ok) return error(400, 'bad_signature');
    device.ec += checked.topUp.oneTimePreKeys.length;
    device.kyber += checked.topUp.oneTimeKyberPreKeys.length;
    device.topUps += 1;
    return ok({ ec: device.ec, kyber: device.kyber });
  }

  #replaceSigned(device: Registered, body: unknown): Response {
    const identityKey = fromBase64(device.upload.identityKey);
    const signed = (body as { signedPreKey?: unknown }).signedPreKey;
    const checked = identityKey === undefined ? undefined : verifySignedPreKey(identityKey, signed);
    if (checked === undefined || !checked.ok) return error(400, 'bad_signature');
    device.signedPreKey = checked.signedPreKey;
    return ok({});
  }
}

function ok(value: unknown): Response {
  return new Response(JSON.stringify(value), { status: 200, headers: { 'content-type': 'application/json' } });
}

function error(status: number, code: ErrorCode): Response {
  return new Response(JSON.stringify({ error: { code, message: code.replace('_', ' '), id: 'fake' } }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}
