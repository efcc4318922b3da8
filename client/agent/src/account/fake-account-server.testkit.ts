/**
 * FOR TESTS: the account routes of the server (the deployment root, enrolment,
 * challenge–response login, prekey count, top-up, signed-prekey replacement) as an
 * in-memory `fetch`, verifying what a real server verifies: every prekey signature and
 * the login signature. It also plays the codes' issuer: it keeps each code's secret and
 * records whether an enrolment's proof and device certificate check out.
 */
import { PrivateKey, PublicKey } from '@signalapp/libsignal-client';
import { checkEnrolmentProof, formatOneTimeCode, newOneTimeCode, rootFingerprint, userIdForCode } from '@yhteispoyta/crypto/certificates/codes';
import type { CodeKind, OneTimeCode } from '@yhteispoyta/crypto/certificates/codes';
import { verifyCertificateSignature } from '@yhteispoyta/crypto/certificates/signing';
import { fromBase64, randomBytes, toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import { verifyPrekeyTopUp, verifyPrekeyUpload, verifySignedPreKey } from '@yhteispoyta/crypto/prekeys';
import { enrolRequestSchema, loginRequestSchema, loginSigningBytes } from '@yhteispoyta/crypto/protocol';
import type { ErrorCode } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef, PrekeyUpload, Role, SignedPublicPrekey } from '@yhteispoyta/crypto/types';

interface Registered {
  readonly device: DeviceRef;
  readonly upload: PrekeyUpload;
  /** whether the enrolment proved the code's secret over exactly these keys */
  readonly proofValid: boolean;
  /** whether the device certificate was for this device and signed by the presented user key */
  readonly certificateValid: boolean;
  readonly userKey?: string;
  ec: number;
  kyber: number;
  signedPreKey: SignedPublicPrekey;
  topUps: number;
}

/** An in-memory stand-in for the account half of the server. */
export class FakeAccountServer {
  /** the deployment root; `servedRoot` is what GET /v1/root answers (a test may swap it) */
  readonly root = PrivateKey.generate();
  servedRoot = toBase64(toBytes(this.root.getPublicKey().serialize()));
  readonly codes = new Map<string, { code: OneTimeCode; userId: string; orgId: string; role: Role }>();
  readonly devices = new Map<string, Registered>();
  readonly challenges = new Map<string, { device: DeviceRef; nonce: Uint8Array }>();
  readonly tokens = new Map<string, { device: DeviceRef; expiresAt: number }>();
  /** every request, as `METHOD path` */
  readonly requests: string[] = [];
  sessionTtlMs = 3_600_000;
  now: () => number = Date.now;
  /** while true every request fails like a network error */
  down = false;

  /** Issue a code (an enrolment code by default); returns it as a person types it. */
  issueCode(opts: { kind?: CodeKind; orgId?: string; role?: Role; userId?: string; deviceId?: number } = {}): string {
    const kind = opts.kind ?? 'enrolment';
    const fresh = newOneTimeCode(kind, rootFingerprint(this.root.getPublicKey().serialize()));
    const code = kind === 'device_link' ? { ...fresh, deviceId: opts.deviceId ?? 2 } : fresh;
    const userId = kind === 'device_link' ? (opts.userId ?? 'maija') : userIdForCode(code.codeId);
    this.codes.set(code.codeId, { code, userId, orgId: opts.orgId ?? 'org1', role: opts.role ?? (kind === 'invitation' ? 'client' : 'social_worker') });
    return formatOneTimeCode(code);
  }

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (this.down) throw new TypeError('fetch failed');
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const method = init?.method ?? 'GET';
    this.requests.push(`${method} ${url.pathname}`);
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const auth = new Headers(init?.headers).get('authorization') ?? '';
    const route = `${method} ${url.pathname}`;
    if (route === 'GET /v1/root') return ok({ rootKey: this.servedRoot });
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
    const user = this.codes.get(parsed.data.codeId);
    if (user === undefined) return error(404, 'not_found');
    const identityKey = fromBase64(parsed.data.prekeys.identityKey);
    if (identityKey === undefined || !verifyPrekeyUpload(identityKey, parsed.data.prekeys).ok) return error(400, 'bad_signature');
    this.codes.delete(parsed.data.codeId);
    const upload = parsed.data.prekeys;
    const { userKey, deviceCertificate, proof } = parsed.data;
    const claim = { codeId: parsed.data.codeId, deviceId: upload.deviceId, identityKey: upload.identityKey, ...(userKey === undefined ? {} : { userKey }) };
    const userKeyBytes = userKey === undefined ? undefined : fromBase64(userKey);
    const cert = deviceCertificate?.body.t === 'device' ? deviceCertificate.body : undefined;
    const device = { userId: user.userId, deviceId: upload.deviceId };
    this.devices.set(`${device.userId}.${device.deviceId}`, {
      device,
      upload,
      proofValid: checkEnrolmentProof(user.code.secret, claim, proof),
      certificateValid:
        cert !== undefined && userKeyBytes !== undefined && deviceCertificate !== undefined &&
        cert.userId === user.userId && cert.deviceId === upload.deviceId && cert.identityKey === upload.identityKey &&
        verifyCertificateSignature(deviceCertificate, userKeyBytes),
      ...(userKey === undefined ? {} : { userKey }),
      ec: upload.oneTimePreKeys.length,
      kyber: upload.oneTimeKyberPreKeys.length,
      signedPreKey: upload.signedPreKey,
      topUps: 0,
    });
    return ok({ userId: user.userId, deviceId: upload.deviceId, kind: user.code.kind, orgId: user.orgId, role: user.role });
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
