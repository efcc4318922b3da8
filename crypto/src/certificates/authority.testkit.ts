/**
 * FOR TESTS: a deployment root, organisations, people and devices with real keys and
 * real signatures, so tests build certificate bundles in a line each.
 */
import { PrivateKey } from '@signalapp/libsignal-client';
import { toBase64, toBytes } from '../bytes';
import type { DeviceRef } from '../types';
import { nameCommitment } from './codes';
import { signCertificate } from './signing';
import type { Certificate, ProfessionalRole } from './types';

export const T0 = 1_760_000_000_000;
export const YEAR = 365 * 24 * 3600 * 1000;

const b64 = (key: PrivateKey): string => toBase64(key.getPublicKey().serialize());

/** A key pair with its public half serialized. */
export interface TestKey {
  readonly priv: PrivateKey;
  readonly pub: Uint8Array<ArrayBuffer>;
  readonly b64: string;
}

export function testKey(): TestKey {
  const priv = PrivateKey.generate();
  return { priv, pub: toBytes(priv.getPublicKey().serialize()), b64: b64(priv) };
}

/** An organisation certified by a root. */
export interface TestOrg {
  readonly orgId: string;
  readonly key: TestKey;
  readonly cert: Certificate<'org'>;
}

/** A person (professional or client) with his user key. */
export interface TestPerson {
  readonly userId: string;
  readonly userKey: TestKey;
  /** user certificate (professional) or client certificate */
  readonly cert: Certificate<'user'> | Certificate<'client'>;
}

/** A device of a person. */
export interface TestDevice {
  readonly ref: DeviceRef;
  readonly key: TestKey;
  readonly cert: Certificate<'device'>;
}

/** A root and helpers that sign with it and with what it certified; validity windows are around `now` (default T0). */
export class TestAuthority {
  readonly root = testKey();
  readonly now: number;

  constructor(now = T0) {
    this.now = now;
  }

  org(orgId: string, opts: { name?: string; notBefore?: number; notAfter?: number; root?: TestKey } = {}): TestOrg {
    const key = testKey();
    const cert = signCertificate(
      { t: 'org', v: 1, orgId, name: opts.name ?? `Org ${orgId}`, orgKey: key.b64, notBefore: opts.notBefore ?? this.now - YEAR, notAfter: opts.notAfter ?? this.now + YEAR },
      (opts.root ?? this.root).priv,
    );
    return { orgId, key, cert };
  }

  professional(
    org: TestOrg,
    userId: string,
    opts: { role?: ProfessionalRole; displayName?: string; serial?: number; notBefore?: number; notAfter?: number; signer?: TestKey } = {},
  ): TestPerson {
    const userKey = testKey();
    const cert = signCertificate(
      {
        t: 'user', v: 1, userId, orgId: org.orgId, role: opts.role ?? 'social_worker', displayName: opts.displayName ?? `Person ${userId}`,
        userKey: userKey.b64, notBefore: opts.notBefore ?? this.now - YEAR, notAfter: opts.notAfter ?? this.now + YEAR, serial: opts.serial ?? 1,
      },
      (opts.signer ?? org.key).priv,
    );
    return { userId, userKey, cert };
  }

  device(person: TestPerson, deviceId: number, opts: { created?: number; signer?: TestKey; key?: TestKey } = {}): TestDevice {
    const key = opts.key ?? testKey();
    const cert = signCertificate(
      { t: 'device', v: 1, userId: person.userId, deviceId, identityKey: key.b64, created: opts.created ?? this.now },
      (opts.signer ?? person.userKey).priv,
    );
    return { ref: { userId: person.userId, deviceId }, key, cert };
  }

  /** A device certificate for an identity key made elsewhere (base64 of the serialized public key). */
  deviceFor(person: TestPerson, deviceId: number, identityKey: string, created = this.now): Certificate<'device'> {
    return signCertificate({ t: 'device', v: 1, userId: person.userId, deviceId, identityKey, created }, person.userKey.priv);
  }

  client(inviter: TestDevice, userId: string, workspaceId: string, opts: { name?: string; created?: number; signer?: TestKey; userKey?: TestKey } = {}): TestPerson {
    const userKey = opts.userKey ?? testKey();
    const salt = new Uint8Array(16).fill(1);
    const cert = signCertificate(
      {
        t: 'client', v: 1, clientUserId: userId, nameCommitment: nameCommitment(opts.name ?? 'Asiakas', salt), userKey: userKey.b64,
        workspaceId, invitedBy: inviter.ref, created: opts.created ?? this.now,
      },
      (opts.signer ?? inviter.key).priv,
    );
    return { userId, userKey, cert };
  }

  revokeUser(org: TestOrg, person: TestPerson, serial: number, revokedAt = this.now): Certificate<'user_revocation'> {
    return signCertificate({ t: 'user_revocation', v: 1, orgId: org.orgId, userId: person.userId, serial, revokedAt }, org.key.priv);
  }

  revokeDevice(person: TestPerson, device: TestDevice, revokedAt = this.now): Certificate<'device_revocation'> {
    return signCertificate(
      { t: 'device_revocation', v: 1, userId: person.userId, deviceId: device.ref.deviceId, identityKey: device.key.b64, revokedAt },
      person.userKey.priv,
    );
  }
}
