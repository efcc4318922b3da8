/**
 * Clients' names. The server never learns a client's name: his certificate carries only a
 * salted commitment to the name his inviter typed. The name itself travels inside the
 * pairwise-encrypted key messages of the workspace; each receiver checks it against the
 * commitment before showing it, so neither the server nor a member can rename a client.
 */
import { nameCommitment } from '@yhteispoyta/crypto/certificates/codes';
import { toBytes } from '@yhteispoyta/crypto/bytes';
import type { ClientName } from '@yhteispoyta/crypto/epoch';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { ProfileDb } from '../profile/profile-db';
import type { CertificateBook } from './certificate-book';

/** Why a received name was not taken. */
export interface NameRefusal {
  readonly userId: string;
  readonly detail: string;
}

/** Names of clients, checked against their certificates. */
export class ClientNames {
  readonly #profile: ProfileDb;
  readonly #book: CertificateBook;
  /** a listener's failure is its own: the others still hear */
  readonly #listeners = new Listeners<[userId: string]>(() => undefined);

  constructor(profile: ProfileDb, book: CertificateBook) {
    this.#profile = profile;
    this.#book = book;
  }

  /** Record a name this device typed itself (its own invitation): known true. */
  recordOwn(userId: string, workspaceId: string, name: string, salt: Uint8Array): void {
    this.#store(userId, workspaceId, name, salt);
  }

  /**
   * Take names received in a key message for `workspaceId`: each must match the
   * commitment of a client certificate for that workspace. Returns the refused ones.
   */
  learn(workspaceId: string, names: readonly ClientName[]): NameRefusal[] {
    const refused: NameRefusal[] = [];
    for (const { userId, name, salt } of names) {
      const person = this.#book.person(userId);
      const certified = person?.kind === 'client' ? person.cases.get(workspaceId) : undefined;
      if (certified === undefined) {
        refused.push({ userId, detail: `a name was sent for ${userId}, who is not a certified client of this workspace` });
        continue;
      }
      if (nameCommitment(name, salt) !== certified.nameCommitment) {
        refused.push({ userId, detail: `the name sent for ${userId} is not the one the inviter certified` });
        continue;
      }
      this.#store(userId, workspaceId, name, salt);
    }
    return refused;
  }

  /** Listen to names becoming known (or changing); returns the unsubscribe function. */
  onChange(listener: (userId: string) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Forget the name kept for a user who turned out not to be the client (a further case's placeholder): it is never sent on. */
  forget(userId: string): void {
    this.#profile.db.prepare('DELETE FROM identity_client_names WHERE user_id = ?').run([userId]);
  }

  /** The checked name of a client, if known. */
  nameOf(userId: string): string | undefined {
    const name = this.#profile.db.prepare('SELECT name FROM identity_client_names WHERE user_id = ?', { pluck: true }).get([userId]);
    return typeof name === 'string' ? name : undefined;
  }

  /** Every name known for a workspace, to pass on with its keys. */
  namesFor(workspaceId: string): ClientName[] {
    return this.#profile.db
      .prepare('SELECT user_id, name, salt FROM identity_client_names WHERE workspace_id = ? ORDER BY user_id')
      .all([workspaceId])
      .flatMap((row) => (row.salt instanceof Uint8Array ? [{ userId: String(row.user_id), name: String(row.name), salt: toBytes(row.salt) }] : []));
  }

  #store(userId: string, workspaceId: string, name: string, salt: Uint8Array): void {
    const known = this.nameOf(userId);
    this.#profile.db
      .prepare('INSERT INTO identity_client_names (user_id, workspace_id, name, salt) VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET workspace_id = excluded.workspace_id, name = excluded.name, salt = excluded.salt')
      .run([userId, workspaceId, name, toBytes(salt)]);
    if (known === name) return;
    this.#listeners.emit(userId);
  }
}
