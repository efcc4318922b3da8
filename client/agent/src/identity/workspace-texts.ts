/**
 * Workspace labels, consent purposes and members' statutory bases (issues 15, 13). The server never learns them: the
 * signed chain names each by a salted commitment (crypto/src/workspace-texts.ts) and the
 * texts travel inside the pairwise-encrypted key messages. A received text is kept under the
 * commitment it hashes to; it is shown only when the verified chain names that commitment,
 * so a text that matches nothing (forged, or for a consent since replaced) is never shown,
 * and nobody — server or member — can change a label or purpose without re-signing the chain.
 */
import { MAX_TEXTS, textCommitment } from '@yhteispoyta/crypto/workspace-texts';
import type { WorkspaceText, WorkspaceTextKind } from '@yhteispoyta/crypto/workspace-texts';
import type { ChainState } from '@yhteispoyta/crypto/membership';
import { toBytes } from '@yhteispoyta/crypto/bytes';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { ProfileDb } from '../profile/profile-db';

/** Texts of workspaces, kept under their commitments in the profile. */
export class WorkspaceTexts {
  readonly #profile: ProfileDb;
  /** a listener's failure is its own: the others still hear */
  readonly #listeners = new Listeners<[workspaceId: string]>(() => undefined);

  constructor(profile: ProfileDb) {
    this.#profile = profile;
  }

  /** Keep texts of `workspaceId` (this device's own, or received in a key message); each under the commitment it hashes to. */
  learn(workspaceId: string, texts: readonly WorkspaceText[]): void {
    const insert = this.#profile.db.prepare(
      `INSERT INTO identity_workspace_texts (workspace_id, commitment, kind, text, salt) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (workspace_id, commitment) DO NOTHING`,
    );
    let added = 0;
    this.#profile.transaction(() => {
      for (const t of texts) added += insert.run([workspaceId, textCommitment(t.kind, t.text, t.salt), t.kind, t.text, toBytes(t.salt)]).changes;
    });
    // A new text may be the one the chain names: what the workspace shows may have changed.
    if (added > 0) this.#listeners.emit(workspaceId);
  }

  /** Listen to texts becoming known in a workspace; returns the unsubscribe function. */
  onChange(listener: (workspaceId: string) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** The workspace's label, if this device holds the text the chain commits to. */
  labelOf(state: ChainState): string | undefined {
    return this.#text(state.workspaceId, 'label', state.labelCommitment)?.text;
  }

  /** The purpose of the consent in force, if this device holds the text the chain commits to. */
  purposeOf(state: ChainState): string | undefined {
    return state.consent === null ? undefined : this.#text(state.workspaceId, 'purpose', state.consent.purposeCommitment)?.text;
  }

  /** The purpose text under a commitment a (past) consent event names, if this device holds it (issue 13: consent history). */
  purposeFor(workspaceId: string, commitment: string): string | undefined {
    return this.#text(workspaceId, 'purpose', commitment)?.text;
  }

  /** The text of a statutory basis the chain names by `commitment`, if this device holds it (record_basis). */
  basisFor(workspaceId: string, commitment: string): string | undefined {
    return this.#text(workspaceId, 'basis', commitment)?.text;
  }

  /** What this device passes on with a workspace's keys: the label, the current purpose and the bases in force it holds. */
  forKeys(state: ChainState): WorkspaceText[] {
    const label = this.#text(state.workspaceId, 'label', state.labelCommitment);
    const purpose = state.consent === null ? undefined : this.#text(state.workspaceId, 'purpose', state.consent.purposeCommitment);
    // One basis per member at most, and distinct members may share a text under different salts.
    const bases = [...state.bases.values()].map((b) => this.#text(state.workspaceId, 'basis', b.commitment));
    return [label, purpose, ...bases].filter((t): t is WorkspaceText => t !== undefined).slice(0, MAX_TEXTS); // the wire schema refuses more
  }

  #text(workspaceId: string, kind: WorkspaceTextKind, commitment: string): WorkspaceText | undefined {
    const row = this.#profile.db
      .prepare('SELECT text, salt FROM identity_workspace_texts WHERE workspace_id = ? AND commitment = ? AND kind = ?')
      .get([workspaceId, commitment, kind]);
    if (row === undefined || !(row.salt instanceof Uint8Array)) return undefined;
    return { kind, text: String(row.text), salt: toBytes(row.salt) };
  }
}
