/**
 * Organisations (docs/design.md §3): each exists because the deployment root certified it; the
 * server stores the certificate with it and hands it out with every listing, and agents
 * show an organisation's name only after verifying that certificate. The built-in clients
 * organisation has no certificate (clients are certified one by one by whoever invited
 * them) and is never listed.
 */
import type { Certificate } from '@yhteispoyta/crypto/certificates/types';
import { MAX_DIRECTORY_ORGS, ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { CreateOrgResponse, ListOrgsResponse } from '@yhteispoyta/crypto/protocol';
import type { Needs } from '../context';
import { recordAudit } from './audit';
import { checkCertificate } from './certificate-checks';

/**
 * Create an organisation from the certificate the deployment root signed (admin). A
 * renewal of an existing organisation goes through the admin certificate route instead.
 */
export async function createOrg(ctx: Needs<'certificates' | 'directory' | 'enrolments' | 'audit', 'now'>, certificate: Certificate): Promise<CreateOrgResponse> {
  if (certificate.body.t !== 'org') throw new ProtocolError('bad_request', 'an organisation is created from an organisation certificate');
  const cert = certificate as Certificate<'org'>;
  await checkCertificate(ctx, cert);
  const { orgId, name } = cert.body;
  const created = await ctx.store.directory.createOrg({ id: orgId, name, createdAt: ctx.now(), certificate: cert });
  if (!created.ok) throw new ProtocolError('conflict', 'the organisation exists; renew its certificate instead');
  await ctx.store.certificates.putCertificate(cert, ctx.now());
  await recordAudit(ctx, { actor: null, action: 'admin_create_org', detail: { orgId } });
  return { orgId };
}

/** Every certified organisation with its certificate, oldest first. */
export async function listOrgs(ctx: Needs<'directory'>): Promise<ListOrgsResponse> {
  const orgs = (await ctx.store.directory.listOrgs()).flatMap((o) => (o.certificate === undefined ? [] : [{ orgId: o.id, name: o.name, certificate: o.certificate }]));
  return { orgs: orgs.slice(0, MAX_DIRECTORY_ORGS) };
}
