/**
 * What an organisation's admin tool remembers: its private key and certificate, the root
 * it chains to, the codes it issued (with their secrets until they are used) and the users
 * it certified (with every serial, so a revocation can name each one). Kept in an `org`
 * key file, or in memory for tests and demos, behind one small {@link OrgStateStore} port.
 */
import { PrivateKey } from '@signalapp/libsignal-client';
import { z } from 'zod';
import { SerialQueue } from '@yhteispoyta/common/queue';
import { fromBase64, toBase64, toBytes } from '@yhteispoyta/crypto/bytes';
import type { JsonValue } from '@yhteispoyta/crypto/bytes';
import { certificateJson, certificateSchema, MAX_SERIAL, publicKeyFieldSchema, rootFingerprint } from '@yhteispoyta/crypto/certificates/index';
import type { Certificate } from '@yhteispoyta/crypto/certificates/index';
import { codeIdSchema, deviceIdSchema, displayNameSchema, idSchema, orgNameSchema, professionalRoleSchema, timestampMsSchema } from '@yhteispoyta/crypto/protocol';
import { AdminError } from './errors';
import { KeyFile } from './key-file';
import type { CreateKeyFileOptions } from './key-file';

const secretSchema = z.string().max(32).refine((s) => fromBase64(s)?.byteLength === 16, 'must be base64 of 16 bytes');
const serialSchema = z.int().min(1).max(MAX_SERIAL);

/**
 * A user certificate signed for a code but perhaps not yet stored by the server: kept so
 * that a retry uploads the same certificate (same serial) instead of signing another.
 */
const signedForCodeSchema = z.strictObject({
  deviceId: deviceIdSchema,
  identityKey: publicKeyFieldSchema,
  userKey: publicKeyFieldSchema,
  userCertificate: certificateSchema,
});

/** A code this organisation issued. */
const issuedCodeSchema = z.strictObject({
  /** base64 of the code's secret; deleted once the code's enrolment is certified or withdrawn */
  secret: secretSchema.optional(),
  role: professionalRoleSchema,
  displayName: displayNameSchema,
  userId: idSchema,
  issuedAt: timestampMsSchema,
  expiresAt: timestampMsSchema,
  signed: signedForCodeSchema.optional(),
  certifiedAt: timestampMsSchema.optional(),
  withdrawnAt: timestampMsSchema.optional(),
});

/** A user this organisation certified. */
const certifiedUserSchema = z.strictObject({
  role: professionalRoleSchema,
  displayName: displayNameSchema,
  serials: z.array(serialSchema),
  revokedSerials: z.array(serialSchema),
});

export const orgStateSchema = z.strictObject({
  v: z.literal(1),
  orgId: idSchema,
  name: orgNameSchema,
  /** base64 of the organisation's private key */
  privateKey: z.string().max(64),
  /** base64 of the deployment root's public key */
  rootKey: publicKeyFieldSchema,
  rootFingerprint: z.string().max(64),
  /** the organisation certificate the root signed */
  certificate: certificateSchema,
  codes: z.record(codeIdSchema, issuedCodeSchema),
  users: z.record(idSchema, certifiedUserSchema),
  nextSerial: serialSchema,
});

/** The whole state of an organisation's authority. */
export type OrgState = z.infer<typeof orgStateSchema>;
/** A code the organisation issued. */
export type IssuedCodeRecord = z.infer<typeof issuedCodeSchema>;

/** The organisation's private key in a state, checked against its certificate's public key. */
export function orgPrivateKey(state: OrgState): PrivateKey {
  const bytes = fromBase64(state.privateKey);
  try {
    if (bytes !== undefined) {
      const key = PrivateKey.deserialize(bytes);
      const cert = state.certificate;
      if (cert.body.t === 'org' && cert.body.orgKey === toBase64(toBytes(key.getPublicKey().serialize()))) return key;
    }
  } catch {
    // falls through to the error below
  }
  throw new AdminError('corrupt_key_file', 'the organisation key does not match its certificate');
}

/** The organisation certificate of a state. */
export function orgCertificate(state: OrgState): Certificate<'org'> {
  const cert = state.certificate as Certificate;
  if (cert.body.t !== 'org') throw new AdminError('corrupt_key_file', 'the stored certificate is not an organisation certificate');
  return cert as Certificate<'org'>;
}

/** Parse a state read from a file or handed in; checks the keys agree with each other. */
export function parseOrgState(value: unknown, where = 'the organisation state'): OrgState {
  const parsed = orgStateSchema.safeParse(value);
  if (!parsed.success) throw new AdminError('corrupt_key_file', `${where} is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const state = parsed.data;
  const cert = orgCertificate(state);
  const rootBytes = fromBase64(state.rootKey);
  if (cert.body.orgId !== state.orgId || rootBytes === undefined || rootFingerprint(rootBytes) !== state.rootFingerprint) {
    throw new AdminError('corrupt_key_file', `${where} is inconsistent (organisation id or root fingerprint)`);
  }
  orgPrivateKey(state);
  return state;
}

/** The state as JSON for a key file (certificates in their canonical field order). */
function orgStateJson(state: OrgState): JsonValue {
  const codes: { [codeId: string]: JsonValue } = {};
  for (const [codeId, code] of Object.entries(state.codes)) {
    const { signed, ...rest } = code;
    codes[codeId] = {
      ...rest,
      ...(signed === undefined ? {} : { signed: { ...signed, userCertificate: certificateJson(signed.userCertificate as Certificate) } }),
    };
  }
  const users: { [userId: string]: JsonValue } = {};
  for (const [userId, user] of Object.entries(state.users)) users[userId] = { ...user, serials: [...user.serials], revokedSerials: [...user.revokedSerials] };
  return {
    v: 1, orgId: state.orgId, name: state.name, privateKey: state.privateKey, rootKey: state.rootKey, rootFingerprint: state.rootFingerprint,
    certificate: certificateJson(state.certificate as Certificate), codes, users, nextSerial: state.nextSerial,
  };
}

/** Where an organisation's state lives. `update` is atomic with respect to other updates. */
export interface OrgStateStore {
  load(): Promise<OrgState>;
  /** Apply `change` to the current state and keep the state it returns; throwing keeps the old one. */
  update<T>(change: (state: OrgState) => { state: OrgState; result: T }): Promise<T>;
}

/** State in memory (tests, demos that need no file). */
export class MemoryOrgStateStore implements OrgStateStore {
  #state: OrgState;
  /** serialises updates, as the key file's lock does across processes */
  readonly #queue = new SerialQueue();

  constructor(state: OrgState) {
    this.#state = parseOrgState(structuredClone(state));
  }

  async load(): Promise<OrgState> {
    return structuredClone(this.#state);
  }

  update<T>(change: (state: OrgState) => { state: OrgState; result: T }): Promise<T> {
    return this.#queue.run(() => {
      const { state, result } = change(structuredClone(this.#state));
      this.#state = parseOrgState(structuredClone(state));
      return result;
    });
  }
}

/** State in an `org` key file, re-read under its lock on every update. */
export class KeyFileOrgStateStore implements OrgStateStore {
  readonly #file: KeyFile;

  private constructor(file: KeyFile) {
    this.#file = file;
  }

  get path(): string {
    return this.#file.path;
  }

  /** Write `state` to a new key file (refuses to overwrite). */
  static async create(path: string, state: OrgState, passphrase: string, opts: CreateKeyFileOptions = {}): Promise<KeyFileOrgStateStore> {
    const file = await KeyFile.create(path, 'org', orgStateJson(parseOrgState(state)), passphrase, opts);
    return new KeyFileOrgStateStore(file);
  }

  /** Open an existing organisation key file; a wrong passphrase is AdminError `wrong_passphrase`. */
  static async open(path: string, passphrase: string): Promise<KeyFileOrgStateStore> {
    const { file, payload } = await KeyFile.open(path, 'org', passphrase);
    parseOrgState(payload, path);
    return new KeyFileOrgStateStore(file);
  }

  async load(): Promise<OrgState> {
    return parseOrgState(await this.#file.read(), this.#file.path);
  }

  update<T>(change: (state: OrgState) => { state: OrgState; result: T }): Promise<T> {
    return this.#file.update((payload) => {
      const { state, result } = change(parseOrgState(payload, this.#file.path));
      return { payload: orgStateJson(parseOrgState(state)), result };
    });
  }
}
