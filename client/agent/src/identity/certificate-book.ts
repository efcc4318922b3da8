/**
 * What this device knows about people from certificates — never from the server's word.
 * The server serves certificate bundles; the book keeps them in the profile and runs
 * crypto's verifyPerson against the root this device pinned at enrolment every time a
 * result is needed (cached for a short while, so expiry and revocation take effect).
 * A person the bundles do not verify is simply unknown: his devices get no keys and
 * nothing they sign is accepted. Of a served bundle only what the transparency log proves
 * is kept (transparency/log-witness.ts).
 */
import type { Logger } from 'pino';
import { verifyOrg, verifyPerson } from '@yhteispoyta/crypto/certificates/person';
import type { PersonFailureCode, VerifiedPerson } from '@yhteispoyta/crypto/certificates/person';
import { certificateId, certificateJson } from '@yhteispoyta/crypto/certificates/signing';
import { certificateSchema } from '@yhteispoyta/crypto/certificates/schema';
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { MAX_CERTIFICATE_QUERY_USERS } from '@yhteispoyta/crypto/protocol';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { RestClient } from '../contracts';
import type { ProfileDb } from '../profile/profile-db';
import type { LogWitness } from '../transparency/log-witness';

/** How long a verification result is reused before it is computed again (expiry, revocations at a time). */
const VERIFICATION_TTL_MS = 60_000;

/** A person's verification: the verified person, or why not. */
export type PersonStatus =
  | { readonly ok: true; readonly person: VerifiedPerson }
  | { readonly ok: false; readonly code: PersonFailureCode; readonly detail: string };

interface Cached {
  readonly status: PersonStatus;
  readonly at: number;
}

/** What the book works with. */
export interface CertificateBookDeps {
  readonly profile: ProfileDb;
  readonly rest: RestClient;
  /** the deployment root pinned at enrolment (serialized public key) */
  readonly root: Bytes;
  /** what of a served bundle the transparency log proves (docs/design.md §3.5) */
  readonly witness: Pick<LogWitness, 'admitBundle' | 'follow' | 'loggedFor'>;
  readonly now?: () => number;
  readonly log: Logger;
}

/** Verified people and organisations, from bundles kept in the profile. */
export class CertificateBook {
  readonly #deps: CertificateBookDeps;
  readonly #now: () => number;
  readonly #cache = new Map<string, Cached>();
  readonly #listeners = new Listeners<[userIds: readonly string[]]>((error) =>
    this.#deps.log.warn({ reason: error instanceof Error ? error.message : 'unknown' }, 'certificate listener failed'),
  );

  constructor(deps: CertificateBookDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    // What the log appended about people this device knows counts even when a bundle leaves it out.
    deps.witness.follow({
      knows: (userId) => this.has(userId),
      onLogged: (userIds) => {
        for (const userId of userIds) this.#cache.delete(userId);
        this.#emit(userIds);
      },
    });
  }

  /** The deployment root this book verifies against. */
  get root(): Bytes {
    return this.#deps.root;
  }

  /** The person as his certificates verify now, or undefined. */
  person(userId: string): VerifiedPerson | undefined {
    const status = this.status(userId);
    return status.ok ? status.person : undefined;
  }

  /** The verification of a person now (from the stored bundle; no network). */
  status(userId: string): PersonStatus {
    const now = this.#now();
    const cached = this.#cache.get(userId);
    if (cached !== undefined && now - cached.at < VERIFICATION_TTL_MS) return cached.status;
    const status = this.#verify(userId, now);
    this.#cache.set(userId, { status, at: now });
    return status;
  }

  /** The person as his certificates verified at time `at` (for events signed then). */
  personAt(userId: string, at: number): VerifiedPerson | undefined {
    const result = this.#verify(userId, at);
    return result.ok ? result.person : undefined;
  }

  /** Whether the server ever served a bundle for the user. */
  has(userId: string): boolean {
    return this.#stored(userId) !== undefined;
  }

  /** Fetch the bundles of users never fetched. Rejects `offline` when the server is unreachable. */
  async ensure(userIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(userIds)].filter((id) => !this.has(id));
    if (missing.length > 0) await this.refresh(missing);
  }

  /**
   * Fetch and keep the users' current bundles; listeners hear which users' verification
   * changed. Rejects `offline` when the server is unreachable (the stored bundles stay).
   */
  async refresh(userIds: Iterable<string>): Promise<void> {
    const ids = [...new Set(userIds)];
    const changed: string[] = [];
    for (let i = 0; i < ids.length; i += MAX_CERTIFICATE_QUERY_USERS) {
      const chunk = ids.slice(i, i + MAX_CERTIFICATE_QUERY_USERS);
      const { certificates, log } = await this.#deps.rest.call('queryCertificates', { body: { userIds: chunk } });
      // Only what the transparency log proves is kept: a certificate other members and
      // monitors cannot see in the log is not relied upon.
      const admitted = await this.#deps.witness.admitBundle(certificates as Certificate[], log);
      const fetchedAt = this.#now();
      for (const userId of chunk) {
        const before = this.#fingerprint(this.status(userId));
        // A bundle whose head did not verify changes nothing but adds its revocations.
        const kept = admitted.admitted ? admitted.certificates : withRevocations(this.#stored(userId), admitted.certificates);
        if (kept === undefined) continue;
        const text = JSON.stringify(kept.map((c) => certificateJson(c as Certificate)));
        this.#deps.profile.db
          .prepare('INSERT INTO identity_bundles (user_id, certificates, fetched_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET certificates = excluded.certificates, fetched_at = excluded.fetched_at')
          .run([userId, text, fetchedAt]);
        this.#cache.delete(userId);
        if (this.#fingerprint(this.status(userId)) !== before) changed.push(userId);
      }
    }
    if (changed.length > 0) this.#emit(changed);
  }

  /** Users whose bundles this device keeps. */
  knownUsers(): string[] {
    return this.#deps.profile.db.prepare('SELECT user_id FROM identity_bundles ORDER BY user_id', { pluck: true }).all().map(String);
  }

  /** Keep organisation certificates served with the directory (only verified ones ever name an organisation). */
  noteOrgCertificates(certificates: readonly unknown[]): void {
    for (const cert of certificates) {
      const orgId = (cert as { body?: { t?: unknown; orgId?: unknown } } | null)?.body;
      if (orgId?.t !== 'org' || typeof orgId.orgId !== 'string') continue;
      if (verifyOrg(this.#deps.root, [cert], orgId.orgId, this.#now()) === undefined) continue;
      this.#deps.profile.db
        .prepare('INSERT INTO identity_orgs (org_id, certificate) VALUES (?, ?) ON CONFLICT (org_id) DO UPDATE SET certificate = excluded.certificate')
        .run([orgId.orgId, JSON.stringify(cert)]);
    }
  }

  /** The organisation's name as the pinned root certifies it, or undefined. */
  orgName(orgId: string): string | undefined {
    const stored = this.#deps.profile.db.prepare('SELECT certificate FROM identity_orgs WHERE org_id = ?', { pluck: true }).get([orgId]);
    const certs = stored === undefined ? [] : [parseJson(String(stored))];
    const fromOrgs = verifyOrg(this.#deps.root, certs, orgId, this.#now());
    if (fromOrgs !== undefined) return fromOrgs.name;
    // A professional's bundle carries his organisation's certificate too.
    for (const userId of this.knownUsers()) {
      const person = this.person(userId);
      if (person?.kind === 'professional' && person.orgId === orgId) return person.orgName;
    }
    return undefined;
  }

  /** Listen to changes of people's verification; returns the unsubscribe function. */
  onChange(listener: (userIds: readonly string[]) => void): () => void {
    return this.#listeners.add(listener);
  }

  #verify(userId: string, at: number): PersonStatus {
    const bundle = this.#bundle(userId);
    if (bundle === undefined) return { ok: false, code: 'no_certificate', detail: `no certificates of ${userId} fetched yet` };
    const result = verifyPerson({ root: this.#deps.root, userId, certificates: bundle, now: at });
    return result.ok ? { ok: true, person: result.person } : { ok: false, code: result.code, detail: result.detail };
  }

  /** The served bundle with what the log appended about the user since this device first read it. */
  #bundle(userId: string): unknown[] | undefined {
    const stored = this.#stored(userId);
    const logged = this.#deps.witness.loggedFor(userId);
    if (logged.length === 0) return stored;
    const seen = new Set((stored ?? []).map((c) => JSON.stringify(c)));
    return [...(stored ?? []), ...logged.filter((c) => !seen.has(JSON.stringify(c)))];
  }

  #stored(userId: string): unknown[] | undefined {
    const text = this.#deps.profile.db.prepare('SELECT certificates FROM identity_bundles WHERE user_id = ?', { pluck: true }).get([userId]);
    if (text === undefined) return undefined;
    const parsed = parseJson(String(text));
    return Array.isArray(parsed) ? parsed : [];
  }

  /** What a listener cares about: who the person is and which devices are his. */
  #fingerprint(status: PersonStatus): string {
    if (!status.ok) return `x:${status.code}`;
    const p = status.person;
    const devices = p.devices.map((d) => `${d.deviceId}:${d.keyHash}`).join(',');
    const revoked = p.revokedDevices.map((d) => `${d.deviceId}:${d.keyHash}`).join(',');
    return `${p.kind}:${Buffer.from(p.userKey).toString('hex')}:${p.kind === 'professional' ? `${p.orgId}:${p.role}:${p.displayName}` : p.workspaceId}:${devices}:${revoked}`;
  }

  #emit(userIds: readonly string[]): void {
    this.#listeners.emit(userIds);
  }
}

/** A stored bundle with these revocations added (undefined when nothing would change). */
function withRevocations(stored: unknown[] | undefined, revocations: readonly Certificate[]): unknown[] | undefined {
  if (revocations.length === 0 || stored === undefined) return undefined;
  const ids = new Set(stored.map((c) => certificateIdOf(c)));
  const added = revocations.filter((r) => !ids.has(certificateId(r)));
  return added.length === 0 ? undefined : [...stored, ...added];
}

/** The id of a stored (unverified) certificate, or undefined when it is not one. */
function certificateIdOf(value: unknown): string | undefined {
  const parsed = certificateSchema.safeParse(value);
  return parsed.success ? certificateId(parsed.data as Certificate) : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
