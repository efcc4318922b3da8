/**
 * The deployment root (docs/design.md §3): the public key every certificate chains to. The service
 * owner's tooling sets it once; agents fetch it and compare it with the fingerprint their
 * code carried, so a server that swapped it would be caught at enrolment. The server uses
 * it only to refuse organisation certificates the root did not sign.
 */
import { fromBase64, toBase64 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { RootResponse } from '@yhteispoyta/crypto/protocol';
import type { Needs } from '../context';
import { recordAudit } from './audit';

/** Set the root (admin). The same key again is a no-op; another key is 409: the root never changes. */
export async function setRoot(ctx: Needs<'certificates' | 'audit', 'now'>, rootKey: string): Promise<Record<string, never>> {
  const key = fromBase64(rootKey);
  // The route's schema already checked that it deserializes as a public key.
  if (key === undefined) throw new ProtocolError('bad_request', 'rootKey is not base64');
  const set = await ctx.store.certificates.setRoot({ key, setAt: ctx.now() });
  if (!set.ok) throw new ProtocolError('conflict', 'another deployment root is already set');
  await recordAudit(ctx, { actor: null, action: 'admin_set_root', detail: {} });
  return {};
}

/** The root for agents; 404 until it is set. */
export async function getRoot(ctx: Needs<'certificates'>): Promise<RootResponse> {
  const root = await ctx.store.certificates.getRoot();
  if (root === null) throw new ProtocolError('not_found', 'no deployment root is set');
  return { rootKey: toBase64(root.key) };
}

/** The root key, or 409 when certificates cannot be checked yet because no root is set. */
export async function requireRootKey(ctx: Needs<'certificates'>): Promise<Bytes> {
  const root = await ctx.store.certificates.getRoot();
  if (root === null) throw new ProtocolError('conflict', 'no deployment root is set yet');
  return root.key;
}
