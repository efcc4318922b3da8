/**
 * Certificate bundles for agents (docs/design.md §3): everything stored that an agent needs to
 * verify the people it asks about with `verifyPerson` — each person's user or client
 * certificate, device certificates and revocations, the certificates of the
 * organisations involved, and for a client his inviter's certificates and organisation —
 * with the log's head and an inclusion proof of each (§3.5).
 * The server picks what to send; it cannot make anything verify that was not signed.
 */
import { MAX_BUNDLE_CERTIFICATES } from '@yhteispoyta/crypto/certificates/person';
import type { QueryCertificatesRequest, QueryCertificatesResponse } from '@yhteispoyta/crypto/protocol';
import type { Needs } from '../context';
import type { CertificateRecord } from '../store/port';
import { withInclusionProofs } from './transparency';

const unique = (values: Iterable<string>): string[] => [...new Set(values)];

/** The organisation a person's certificate is issued under (user certificates, user revocations). */
function orgOf(record: CertificateRecord): string[] {
  const body = record.certificate.body;
  return body.t === 'user' || body.t === 'user_revocation' ? [body.orgId] : [];
}

/** Users who invited the clients among these certificates. */
function invitersOf(records: readonly CertificateRecord[]): string[] {
  return records.flatMap((r) => (r.certificate.body.t === 'client' ? [r.certificate.body.invitedBy.userId] : []));
}

/**
 * The bundle for `userIds` and `orgIds`: organisation certificates first, then the people's
 * own, then their inviters', each certificate once, at most MAX_BUNDLE_CERTIFICATES (a
 * bundle cut short is logged; the agent then finds someone unverifiable and asks again
 * for fewer people).
 */
export async function queryCertificates(ctx: Needs<'certificates', 'log' | 'config' | 'now'>, request: QueryCertificatesRequest): Promise<QueryCertificatesResponse> {
  const limit = MAX_BUNDLE_CERTIFICATES;
  const people = await ctx.store.certificates.listCertificatesOfUsers(request.userIds, limit);
  const inviterIds = unique(invitersOf(people)).filter((id) => !request.userIds.includes(id));
  const inviters = await ctx.store.certificates.listCertificatesOfUsers(inviterIds, limit);
  const orgIds = unique([...(request.orgIds ?? []), ...people.flatMap(orgOf), ...inviters.flatMap(orgOf)]);
  const orgs = await ctx.store.certificates.listCertificatesOfOrgs(orgIds, 'org', limit);
  const seen = new Set<string>();
  const bundle = [...orgs, ...people, ...inviters].filter((r) => !seen.has(r.id) && seen.add(r.id));
  if (bundle.length > limit) ctx.log.warn({ users: request.userIds.length, certificates: bundle.length }, 'certificate bundle cut short');
  return withInclusionProofs(ctx, bundle.slice(0, limit));
}
