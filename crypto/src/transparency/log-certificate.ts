/**
 * The log certificate: the deployment root's statement "this Ed25519 key signs the heads of
 * this deployment's transparency log, from notBefore to notAfter". Without it a head's
 * signature proves nothing (the server could sign with any key it likes); with it an agent
 * that pinned the root can check every head it is shown. It is signed like the identity
 * certificates (XEdDSA over a context string and canonical JSON) but is not one of them:
 * it is not a leaf of the log, and the ordinary certificate routes do not parse it.
 */
import type { PrivateKey } from '@signalapp/libsignal-client';
import { z } from 'zod';
import { canonicalJson, fromBase64, toBase64, utf8 } from '../bytes';
import type { Bytes, JsonValue } from '../bytes';
import { MAX_VALIDITY_MS } from '../certificates/schema';
import { verifySignature } from '../signature-check';
import type { IdentityKeyInput } from '../signature-check';
import { LOG_PUBLIC_KEY_BYTES } from './log-key';

const LOG_CERTIFICATE_CONTEXT = 'yhteispoyta/certificate/log/v1\n';
const SIGNATURE_BYTES = 64;

/** What the root certifies: the log's public key and its validity. */
export interface LogCertificateBody {
  readonly t: 'log';
  readonly v: 1;
  /** base64 of the log's raw 32-byte Ed25519 public key */
  readonly logKey: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

/** A log certificate: the body and the root's XEdDSA signature (base64). */
export interface LogCertificate {
  readonly body: LogCertificateBody;
  readonly signature: string;
}

const timeSchema = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** base64 of a raw Ed25519 public key. */
export const logKeyFieldSchema = z
  .string()
  .max(44)
  .refine((s) => fromBase64(s)?.byteLength === LOG_PUBLIC_KEY_BYTES, 'must be base64 of a 32-byte Ed25519 public key');

/** Schema of a log certificate from the network (strict: what parsed is exactly what was signed). */
export const logCertificateSchema = z.strictObject({
  body: z
    .strictObject({ t: z.literal('log'), v: z.literal(1), logKey: logKeyFieldSchema, notBefore: timeSchema, notAfter: timeSchema })
    .refine((b) => b.notAfter > b.notBefore && b.notAfter - b.notBefore <= MAX_VALIDITY_MS, 'notAfter must follow notBefore, at most 10 years later'),
  signature: z.string().max(88).refine((s) => fromBase64(s)?.byteLength === SIGNATURE_BYTES, 'must be base64 of 64 bytes'),
});

function bodyJson(body: LogCertificateBody): { [key: string]: JsonValue } {
  return { t: body.t, v: body.v, logKey: body.logKey, notBefore: body.notBefore, notAfter: body.notAfter };
}

/** The bytes the root signs. */
function signingBytes(body: LogCertificateBody): Bytes {
  return utf8(LOG_CERTIFICATE_CONTEXT + canonicalJson(bodyJson(body)));
}

/** The certificate as plain JSON (what is stored and sent). */
export function logCertificateJson(certificate: LogCertificate): { [key: string]: JsonValue } {
  return { body: bodyJson(certificate.body), signature: certificate.signature };
}

/** Sign a log certificate with the deployment root. Throws RangeError when the body would not parse. */
export function signLogCertificate(body: LogCertificateBody, root: PrivateKey): LogCertificate {
  const certificate = { body: bodyJson(body), signature: toBase64(root.sign(signingBytes(body))) };
  const parsed = logCertificateSchema.safeParse(certificate);
  if (!parsed.success) throw new RangeError(`signLogCertificate: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Result of {@link verifyLogCertificate}. */
export type LogCertificateResult =
  | { readonly ok: true; readonly certificate: LogCertificate; readonly logKey: Bytes }
  /** `untrusted`: not signed by this root; `expired`: signed, but `now` is outside its validity; `malformed`: not a log certificate */
  | { readonly ok: false; readonly code: 'untrusted' | 'expired' | 'malformed'; readonly detail: string };

/**
 * Whether `value` is a log certificate the root `root` signed and that holds at `now`:
 * the certified log key, or a typed reason. Never throws.
 */
export function verifyLogCertificate(root: IdentityKeyInput, value: unknown, now: number): LogCertificateResult {
  try {
    const parsed = logCertificateSchema.safeParse(value);
    if (!parsed.success) return { ok: false, code: 'malformed', detail: z.prettifyError(parsed.error) };
    const certificate = parsed.data;
    const signature = fromBase64(certificate.signature);
    if (signature === undefined || !verifySignature(root, signingBytes(certificate.body), signature)) {
      return { ok: false, code: 'untrusted', detail: 'the log certificate is not signed by the deployment root' };
    }
    if (now < certificate.body.notBefore || now > certificate.body.notAfter) {
      return { ok: false, code: 'expired', detail: 'the log certificate is not valid now' };
    }
    const logKey = fromBase64(certificate.body.logKey);
    if (logKey === undefined) return { ok: false, code: 'malformed', detail: 'the log key does not decode' };
    return { ok: true, certificate, logKey };
  } catch {
    // Only reachable with exotic values (throwing getters, proxies): never JSON.
    return { ok: false, code: 'malformed', detail: 'unreadable value' };
  }
}
