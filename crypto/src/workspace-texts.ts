/**
 * A workspace's texts the server must not read (issue 15: metadata minimisation): its label,
 * the purpose of a client's consent and the statutory basis an owner records for a member
 * (a statute such as the Child Welfare Act would tell the server what kind of case it is).
 * The signed membership chain carries only a salted commitment to each
 * (`create.labelCommitment`, `grant_consent.purposeCommitment`,
 * `record_basis.basisCommitment`), which
 * the server stores and checks nothing about; the texts themselves travel with their salts
 * inside the pairwise-encrypted key messages (epoch.ts). A member shows a text only when its
 * commitment is the one the verified chain names, so neither the server nor another member
 * can change a label or a purpose without re-signing the chain.
 */
import { z } from 'zod';
import type { Bytes } from './bytes';
import { concatBytes, fromBase64, randomBytes, sha256, toBase64, toHex, utf8 } from './bytes';

/** Salt bytes of a commitment. */
const TEXT_SALT_BYTES = 16;

/** Which text: a workspace's label, a consent's purpose, or a member's statutory basis. */
export const WORKSPACE_TEXT_KINDS = ['label', 'purpose', 'basis'] as const;
export type WorkspaceTextKind = (typeof WORKSPACE_TEXT_KINDS)[number];

/** Longest text of each kind (the chain and the local API allow the same). */
export const MAX_TEXT_CHARS: Record<WorkspaceTextKind, number> = { label: 200, purpose: 1000, basis: 300 };

/** A text with the salt of its commitment, as it travels inside key messages. */
export interface WorkspaceText {
  readonly kind: WorkspaceTextKind;
  readonly text: string;
  readonly salt: Bytes;
}

/** A fresh salt for {@link textCommitment}. */
export function newTextSalt(): Bytes {
  return randomBytes(TEXT_SALT_BYTES);
}

/** The commitment (64 lower-case hex digits) to a text of `kind`; one domain per kind, so a label never passes as a purpose. */
export function textCommitment(kind: WorkspaceTextKind, text: string, salt: Uint8Array): string {
  return toHex(sha256(concatBytes(utf8(`yhteispoyta/workspace-${kind}/v1\n`), salt, utf8(text))));
}

/** A commitment as the chain carries it. */
export const textCommitmentSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');

/** Most texts one key message carries: the label, one purpose and the bases in force (one per member recorded). */
export const MAX_TEXTS = 40;

/** Texts in a key message's JSON. */
export const workspaceTextsWireSchema = z
  .array(
    z.strictObject({
      kind: z.enum(WORKSPACE_TEXT_KINDS),
      text: z.string().min(1).max(Math.max(...Object.values(MAX_TEXT_CHARS))),
      salt: z.string().length(24).refine((text) => fromBase64(text)?.byteLength === TEXT_SALT_BYTES, 'not a base64 salt of 16 bytes'),
    }),
  )
  .min(1)
  .max(MAX_TEXTS);

/** Texts as a key message's JSON carries them. */
export function textsToWire(texts: readonly WorkspaceText[]): z.input<typeof workspaceTextsWireSchema> {
  return texts.map((t) => ({ kind: t.kind, text: t.text, salt: toBase64(t.salt) }));
}

/** Texts read from a key message's parsed JSON (one over its kind's length is dropped). */
export function textsFromWire(wire: z.output<typeof workspaceTextsWireSchema>): WorkspaceText[] {
  return wire.flatMap((t) => {
    const salt = fromBase64(t.salt);
    return salt === undefined || t.text.length > MAX_TEXT_CHARS[t.kind] ? [] : [{ kind: t.kind, text: t.text, salt }];
  });
}
