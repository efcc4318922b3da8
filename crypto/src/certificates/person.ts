/**
 * The one function agents ask "who is this person, and which devices are his?":
 * {@link verifyPerson} takes the pinned deployment root and a bundle of untrusted
 * certificates (as the server hands them out) and returns the verified person — his
 * organisation and role from the organisation-signed user certificate (or, for a client,
 * the workspace and inviter from the client certificate), his user key, and his certified,
 * unrevoked devices — or a typed reason. Pure, never throws on hostile input.
 */
import { fromBase64, toBytes, toHex } from '../bytes';
import type { Bytes } from '../bytes';
import { toPublicKey } from '../signature-check';
import type { IdentityKeyInput } from '../signature-check';
import type { DeviceRef } from '../types';
import { parseCertificate } from './schema';
import { identityKeyHash, verifyCertificateSignature } from './signing';
import type { Certificate, ProfessionalRole } from './types';

/** How far in the future a signed `created` may lie before it is not believed. */
export const MAX_CERTIFICATE_CLOCK_SKEW_MS = 10 * 60_000;
/** Most certificates one bundle may hold; more is refused as a whole. */
export const MAX_BUNDLE_CERTIFICATES = 2000;

/** A device of a verified person. */
export interface CertifiedDevice {
  readonly deviceId: number;
  /** serialized identity key */
  readonly identityKey: Bytes;
  /** {@link identityKeyHash} of the key: how membership events name it */
  readonly keyHash: string;
  /** signed creation time of the device certificate */
  readonly created: number;
  /** for a revoked device: the earliest signed revocation time */
  readonly revokedAt?: number;
}

interface PersonBase {
  readonly userId: string;
  /** serialized user key: signs this person's device certificates; the safety number is computed from it */
  readonly userKey: Bytes;
  /** certified devices that are not revoked, one per device id (the newest certificate wins) */
  readonly devices: readonly CertifiedDevice[];
  /** certified devices their person has revoked since */
  readonly revokedDevices: readonly CertifiedDevice[];
}

/** A professional, certified by his organisation. */
export interface VerifiedProfessional extends PersonBase {
  readonly kind: 'professional';
  readonly orgId: string;
  /** the organisation's name as the deployment root certified it */
  readonly orgName: string;
  readonly role: ProfessionalRole;
  readonly displayName: string;
  readonly serial: number;
  readonly notAfter: number;
}

/** A client person of one case workspace, certified by the professional who invited him. */
export interface VerifiedClient extends PersonBase {
  readonly kind: 'client';
  readonly workspaceId: string;
  /** commitment to the name the inviter typed; the name itself travels encrypted */
  readonly nameCommitment: string;
  readonly invitedBy: DeviceRef;
  readonly created: number;
  /**
   * Every case he is certified in, by workspace id (the newest certificate of each): a
   * client who joined a further case with another invitation holds one client certificate
   * per case, all naming the same user key. Certificates naming another user key than the
   * newest one are ignored, so nobody adds a second key to a client through another case.
   */
  readonly cases: ReadonlyMap<string, ClientCase>;
}

/** One case a client is certified in: who invited him there and the commitment to the name given there. */
export interface ClientCase {
  readonly workspaceId: string;
  readonly nameCommitment: string;
  readonly invitedBy: DeviceRef;
  readonly created: number;
}

export type VerifiedPerson = VerifiedProfessional | VerifiedClient;

/** Why a person could not be verified. */
export type PersonFailureCode =
  /** no certificate for the user in the bundle (the server withholds it, or he is not certified yet) */
  | 'no_certificate'
  /** certificates exist but none chains to the pinned root */
  | 'untrusted'
  /** his certificate was revoked */
  | 'revoked'
  /** his (or his organisation's) certificate is outside its validity */
  | 'expired'
  /** the bundle is not a list or is too large */
  | 'malformed';

export type PersonResult = { readonly ok: true; readonly person: VerifiedPerson } | { readonly ok: false; readonly code: PersonFailureCode; readonly detail: string };

/** The parsed certificates of a bundle, by type. */
interface Sorted {
  readonly org: Certificate<'org'>[];
  readonly user: Certificate<'user'>[];
  readonly device: Certificate<'device'>[];
  readonly client: Certificate<'client'>[];
  readonly userRevocation: Certificate<'user_revocation'>[];
  readonly deviceRevocation: Certificate<'device_revocation'>[];
}

function sort(certificates: readonly unknown[]): Sorted {
  const out: Sorted = { org: [], user: [], device: [], client: [], userRevocation: [], deviceRevocation: [] };
  for (const value of certificates) {
    const parsed = parseCertificate(value);
    if (!parsed.ok) continue;
    const c = parsed.certificate;
    switch (c.body.t) {
      case 'org': out.org.push(c as Certificate<'org'>); break;
      case 'user': out.user.push(c as Certificate<'user'>); break;
      case 'device': out.device.push(c as Certificate<'device'>); break;
      case 'client': out.client.push(c as Certificate<'client'>); break;
      case 'user_revocation': out.userRevocation.push(c as Certificate<'user_revocation'>); break;
      case 'device_revocation': out.deviceRevocation.push(c as Certificate<'device_revocation'>); break;
    }
  }
  return out;
}

const within = (at: number, from: number, until: number): boolean => at >= from && at <= until;

/** Verification over one parsed bundle; memoises signature checks (they dominate the cost). */
class BundleVerifier {
  readonly #rootBytes: Bytes;
  readonly #certs: Sorted;
  /** per certificate, per signer key (hex): whether the signature verifies */
  readonly #checked = new Map<object, Map<string, boolean>>();

  constructor(root: Bytes, certs: Sorted) {
    this.#rootBytes = root;
    this.#certs = certs;
  }

  #signedBy(cert: Certificate, key: Uint8Array): boolean {
    let memo = this.#checked.get(cert);
    if (memo === undefined) {
      memo = new Map();
      this.#checked.set(cert, memo);
    }
    const signer = toHex(key);
    const known = memo.get(signer);
    if (known !== undefined) return known;
    const ok = verifyCertificateSignature(cert, key);
    memo.set(signer, ok);
    return ok;
  }

  /** Org certificates of `orgId` signed by the root (any time). */
  #orgs(orgId: string): Certificate<'org'>[] {
    return this.#certs.org.filter((c) => c.body.orgId === orgId && this.#signedBy(c, this.#rootBytes));
  }

  /** Keys of `orgId` whose root certificate is valid at `at`, with the organisation's name. */
  orgAt(orgId: string, at: number): { keys: Bytes[]; name: string } | undefined {
    const valid = this.#orgs(orgId).filter((c) => within(at, c.body.notBefore, c.body.notAfter));
    const newest = [...valid].sort((a, b) => b.body.notBefore - a.body.notBefore)[0];
    if (newest === undefined) return undefined;
    return { keys: valid.flatMap((c) => keyOf(c.body.orgKey)), name: newest.body.name };
  }

  /** Every key the root ever certified for `orgId` (revocations stay valid after an org certificate expires). */
  #anyOrgKeys(orgId: string): Bytes[] {
    return this.#orgs(orgId).flatMap((c) => keyOf(c.body.orgKey));
  }

  professionalAt(userId: string, at: number): PersonResult {
    const candidates = this.#certs.user.filter((c) => c.body.userId === userId);
    if (candidates.length === 0) return fail('no_certificate', `no user certificate for ${userId}`);
    let reason: PersonResult = fail('untrusted', `no user certificate of ${userId} chains to the root`);
    const valid: { cert: Certificate<'user'>; orgName: string }[] = [];
    for (const cert of candidates) {
      const body = cert.body;
      const org = this.orgAt(body.orgId, at);
      if (org === undefined) {
        const ever = this.#anyOrgKeys(body.orgId);
        if (ever.some((k) => this.#signedBy(cert, k))) reason = fail('expired', `the certificate of organisation ${body.orgId} is not valid now`);
        continue;
      }
      if (!org.keys.some((k) => this.#signedBy(cert, k))) continue;
      if (this.#userRevoked(body.orgId, userId, body.serial, at)) {
        reason = fail('revoked', `the user certificate of ${userId} was revoked by its organisation`);
        continue;
      }
      if (!within(at, body.notBefore, body.notAfter)) {
        reason = fail('expired', `the user certificate of ${userId} is not valid now`);
        continue;
      }
      valid.push({ cert, orgName: org.name });
    }
    const chosen = valid.sort((a, b) => b.cert.body.serial - a.cert.body.serial || b.cert.body.notBefore - a.cert.body.notBefore)[0];
    if (chosen === undefined) return reason;
    const body = chosen.cert.body;
    const userKey = keyOf(body.userKey)[0];
    if (userKey === undefined) return fail('malformed', 'user key does not decode');
    const { devices, revokedDevices } = this.devicesAt(userId, userKey, at);
    return {
      ok: true,
      person: {
        kind: 'professional', userId, orgId: body.orgId, orgName: chosen.orgName, role: body.role, displayName: body.displayName,
        serial: body.serial, notAfter: body.notAfter, userKey, devices, revokedDevices,
      },
    };
  }

  #userRevoked(orgId: string, userId: string, serial: number, at: number): boolean {
    const keys = this.#anyOrgKeys(orgId);
    return this.#certs.userRevocation.some(
      (r) => r.body.orgId === orgId && r.body.userId === userId && r.body.serial === serial && r.body.revokedAt <= at && keys.some((k) => this.#signedBy(r, k)),
    );
  }

  /** Devices certified by `userKey`, split into those valid at `at` and those revoked by then. */
  devicesAt(userId: string, userKey: Bytes, at: number): { devices: CertifiedDevice[]; revokedDevices: CertifiedDevice[] } {
    const live = new Map<number, CertifiedDevice>();
    const revoked: CertifiedDevice[] = [];
    for (const cert of this.#certs.device) {
      const body = cert.body;
      if (body.userId !== userId || !this.#signedBy(cert, userKey)) continue;
      const identityKey = keyOf(body.identityKey)[0];
      if (identityKey === undefined) continue;
      const device: CertifiedDevice = { deviceId: body.deviceId, identityKey, keyHash: identityKeyHash(identityKey), created: body.created };
      const revocations = this.#certs.deviceRevocation.filter(
        (r) =>
          r.body.userId === userId && r.body.deviceId === body.deviceId && r.body.identityKey === body.identityKey &&
          r.body.revokedAt <= at && this.#signedBy(r, userKey),
      );
      if (revocations.length > 0) {
        revoked.push({ ...device, revokedAt: Math.min(...revocations.map((r) => r.body.revokedAt)) });
        continue;
      }
      const held = live.get(body.deviceId);
      if (held === undefined || held.created < device.created) live.set(body.deviceId, device);
    }
    const byId = (a: CertifiedDevice, b: CertifiedDevice): number => a.deviceId - b.deviceId;
    return { devices: [...live.values()].sort(byId), revokedDevices: revoked.sort(byId) };
  }

  client(userId: string, now: number): PersonResult {
    const candidates = this.#certs.client.filter((c) => c.body.clientUserId === userId);
    if (candidates.length === 0) return fail('no_certificate', `no client certificate for ${userId}`);
    let reason: PersonResult = fail('untrusted', `no client certificate of ${userId} was signed by a certified professional`);
    const valid: Certificate<'client'>[] = [];
    for (const cert of candidates) {
      const body = cert.body;
      if (body.created > now + MAX_CERTIFICATE_CLOCK_SKEW_MS) continue;
      // The inviter must have been a certified professional, with this device, when he signed.
      const inviter = this.professionalAt(body.invitedBy.userId, body.created);
      if (!inviter.ok) {
        if (inviter.code === 'revoked' || inviter.code === 'expired') reason = fail(inviter.code, `the inviter of ${userId} was not certified when inviting: ${inviter.detail}`);
        continue;
      }
      const device = inviter.person.devices.find((d) => d.deviceId === body.invitedBy.deviceId);
      if (device === undefined || !this.#signedBy(cert, device.identityKey)) continue;
      valid.push(cert);
    }
    const chosen = valid.sort((a, b) => b.body.created - a.body.created)[0];
    if (chosen === undefined) return reason;
    const body = chosen.body;
    const userKey = keyOf(body.userKey)[0];
    if (userKey === undefined) return fail('malformed', 'user key does not decode');
    const { devices, revokedDevices } = this.devicesAt(userId, userKey, now);
    const cases = new Map<string, ClientCase>();
    // `valid` is newest first, so the first certificate seen for a case is its newest.
    for (const cert of valid) {
      const c = cert.body;
      if (c.userKey !== body.userKey || cases.has(c.workspaceId)) continue;
      cases.set(c.workspaceId, { workspaceId: c.workspaceId, nameCommitment: c.nameCommitment, invitedBy: c.invitedBy, created: c.created });
    }
    return {
      ok: true,
      person: {
        kind: 'client', userId, workspaceId: body.workspaceId, nameCommitment: body.nameCommitment, invitedBy: body.invitedBy,
        created: body.created, userKey, devices, revokedDevices, cases,
      },
    };
  }
}

function keyOf(base64: string): Bytes[] {
  const bytes = fromBase64(base64);
  return bytes === undefined || toPublicKey(bytes) === undefined ? [] : [bytes];
}

function fail(code: PersonFailureCode, detail: string): PersonResult {
  return { ok: false, code, detail };
}

/** Input of {@link verifyPerson}. */
export interface VerifyPersonInput {
  /** the deployment root this agent pinned (serialized public key or PublicKey) */
  readonly root: IdentityKeyInput;
  readonly userId: string;
  /** untrusted: anything that does not parse or verify is ignored */
  readonly certificates: unknown;
  /** ms since epoch: validity and revocations are judged at this time */
  readonly now: number;
}

/**
 * Verify who `userId` is from a bundle of certificates: a professional (root → org → user
 * certificate → device certificates) or, when he has no user certificate, a client (root →
 * org → inviter's user certificate → inviter's device → client certificate → device
 * certificates). Never throws.
 */
export function verifyPerson(input: VerifyPersonInput): PersonResult {
  try {
    if (!Array.isArray(input.certificates)) return fail('malformed', 'certificates must be a list');
    if (input.certificates.length > MAX_BUNDLE_CERTIFICATES) return fail('malformed', `more than ${MAX_BUNDLE_CERTIFICATES} certificates`);
    const root = toPublicKey(input.root);
    if (root === undefined) return fail('malformed', 'the root key does not decode');
    const verifier = new BundleVerifier(toBytes(root.serialize()), sort(input.certificates));
    const professional = verifier.professionalAt(input.userId, input.now);
    if (professional.ok || professional.code !== 'no_certificate') return professional;
    return verifier.client(input.userId, input.now);
  } catch {
    // Only exotic values (throwing getters, proxies) get here: never JSON.
    return fail('malformed', 'unreadable certificates');
  }
}

/** The organisation `orgId` as the root certifies it at `now` (for showing its name), or undefined. Never throws. */
export function verifyOrg(root: IdentityKeyInput, certificates: unknown, orgId: string, now: number): { orgId: string; name: string } | undefined {
  try {
    if (!Array.isArray(certificates) || certificates.length > MAX_BUNDLE_CERTIFICATES) return undefined;
    const rootKey = toPublicKey(root);
    if (rootKey === undefined) return undefined;
    const org = new BundleVerifier(toBytes(rootKey.serialize()), sort(certificates)).orgAt(orgId, now);
    return org === undefined ? undefined : { orgId, name: org.name };
  } catch {
    return undefined;
  }
}
