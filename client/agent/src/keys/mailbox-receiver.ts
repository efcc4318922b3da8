/**
 * Receiving epoch keys: the mailbox is fetched, each item decrypted in the libsignal
 * queue and every item acknowledged once handled (an undecryptable one after its problem
 * was reported, so a poisoned item never blocks the queue). A decrypted key is first kept
 * as pending, durably, and accepted only when the sender is a member device in THIS
 * device's verified chain and the chain has reached the key's epoch. The sender must be a
 * device certificates back: libsignal's identity store holds exactly the certified keys
 * (keys/trusted-identities.ts), so a message under another identity does not decrypt.
 * Items from a person whose key changed, or whose certificate has not arrived, are kept
 * (still encrypted) until the user decides or the certificate arrives. Client names in a
 * key message are taken only when they match the clients' certificates.
 */
import type { Logger } from 'pino';
import { unwrapEpochKey } from '@yhteispoyta/crypto/epoch';
import type { ClientName } from '@yhteispoyta/crypto/epoch';
import { MAX_MAILBOX_FETCH, controlMessageSchema } from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef, MailboxItem } from '@yhteispoyta/crypto/types';
import type { SerialQueue } from '@yhteispoyta/common/queue';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { ProblemSink, RestClient } from '../contracts';
import { RestError } from '../contracts';
import type { ProfileDb } from '../profile/profile-db';
import type { ClientNames } from '../identity/client-names';
import type { WorkspaceTexts } from '../identity/workspace-texts';
import type { SqlSignalStores } from '../profile/signal-stores';
import type { EpochKeyStore } from './epoch-key-store';
import { isMemberDevice } from './membership-sync';
import type { MembershipSync } from './membership-sync';
import type { TrustedIdentities } from './trusted-identities';

/** Items fetched per round; a full page means another round. */
const FETCH_LIMIT = Math.min(100, MAX_MAILBOX_FETCH);

/** What the receiver works with. */
export interface MailboxReceiverDeps {
  readonly self: DeviceRef;
  readonly profile: ProfileDb;
  readonly stores: SqlSignalStores;
  readonly signalQueue: SerialQueue;
  readonly rest: RestClient;
  readonly keys: EpochKeyStore;
  readonly sync: MembershipSync;
  readonly identities: TrustedIdentities;
  readonly names: ClientNames;
  readonly texts: WorkspaceTexts;
  readonly problems: ProblemSink;
  readonly log: Logger;
}

/** Fetches, decrypts and acknowledges mailbox items; accepts the keys in them. */
export class MailboxReceiver {
  readonly #deps: MailboxReceiverDeps;
  readonly #log: Logger;
  readonly #epochListeners = new Listeners<[workspaceId: string, epoch: number]>((error) =>
    this.#log.warn({ reason: error instanceof Error ? error.message : 'unknown' }, 'epoch key listener failed'),
  );
  /** senders whose uncertified messages were already reported */
  readonly #reportedUncertified = new Set<string>();
  #running: Promise<void> | undefined;
  #again = false;

  /** A receiver for the device of `deps`. */
  constructor(deps: MailboxReceiverDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ module: 'keys/mailbox' });
  }

  /** Register a listener told about every accepted epoch key. */
  onEpochKey(listener: (workspaceId: string, epoch: number) => void): () => void {
    return this.#epochListeners.add(listener);
  }

  /**
   * Empty the mailbox. A call while a round runs makes that round look once more, so a
   * notice arriving mid-round is never missed. Rejects `offline` when unreachable.
   */
  receive(): Promise<void> {
    this.#again = true;
    this.#running ??= this.#loop().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /**
   * Accept the pending keys of a workspace that its verified chain now allows; refuse
   * those from devices that are not member devices. Returns the epochs accepted.
   */
  resolvePending(workspaceId: string): number[] {
    const { keys, sync, problems } = this.#deps;
    const state = sync.state(workspaceId);
    if (state === undefined) return [];
    const accepted: number[] = [];
    for (const pending of keys.pending(workspaceId)) {
      if (pending.epoch > state.epoch) continue;
      keys.dropPending(pending);
      if (!isMemberDevice(state, pending.sender)) {
        problems.report({
          code: 'key_distribution',
          message: `An epoch key from ${deviceKey(pending.sender)} was refused: that device is not a member of workspace ${workspaceId} in the verified chain.`,
          workspaceId,
          device: pending.sender,
        });
        continue;
      }
      const outcome = keys.accept(workspaceId, pending.epoch, pending.key, pending.sender);
      if (outcome === 'conflict') {
        problems.report({
          code: 'key_distribution',
          message: `${deviceKey(pending.sender)} sent a different key for epoch ${pending.epoch} of workspace ${workspaceId} than the one already held; it was ignored.`,
          workspaceId,
          device: pending.sender,
        });
      } else if (outcome === 'stored') {
        accepted.push(pending.epoch);
        this.#epochListeners.emit(workspaceId, pending.epoch);
      }
    }
    return accepted;
  }

  /** Decrypt again the items held back from `device`, after the user accepted its new identity or its certificate arrived. */
  async releaseHeld(device: DeviceRef): Promise<void> {
    const { profile } = this.#deps;
    const rows = profile.db
      .prepare('SELECT id, message FROM keys_held_mailbox WHERE sender = ? ORDER BY received_at')
      .all([deviceKey(device)]);
    const touched = new Set<string>();
    for (const row of rows) {
      const message = controlMessageSchema.safeParse(JSON.parse(String(row.message)));
      profile.db.prepare('DELETE FROM keys_held_mailbox WHERE id = ?').run([String(row.id)]);
      if (!message.success) continue;
      const workspaceId = await this.#open({ id: String(row.id), from: device, to: this.#deps.self, message: message.data, createdAt: 0 });
      if (workspaceId !== undefined) touched.add(workspaceId);
    }
    await this.#settle(touched);
  }

  async #loop(): Promise<void> {
    while (this.#again) {
      this.#again = false;
      for (;;) {
        const { items } = await this.#deps.rest.call('fetchMailbox', { query: { limit: FETCH_LIMIT } });
        if (items.length === 0) break;
        await this.#learnSenders(items);
        const touched = new Set<string>();
        for (const item of items) {
          const workspaceId = await this.#open(item);
          if (workspaceId !== undefined) touched.add(workspaceId);
        }
        // Every item is handled (its key kept as pending, or its problem reported): acknowledge all.
        await this.#deps.rest.call('ackMailbox', { body: { ids: items.map((i) => i.id) } });
        await this.#settle(touched);
        if (items.length < FETCH_LIMIT) break;
      }
    }
  }

  /** Learn the senders' certified keys first, so a forged first message cannot plant its own identity. */
  async #learnSenders(items: readonly MailboxItem[]): Promise<void> {
    const { identities, problems } = this.#deps;
    for (const change of await identities.ensureKnown(items.map((i) => i.from))) {
      problems.report({
        code: 'identity_changed',
        message: `The certified key of ${change.userId} changed. That person's messages are held until you compare the new safety number and accept the change.`,
      });
    }
  }

  /** Devices whose messages are held back (for releasing them once their certificate arrives). */
  heldSenders(): DeviceRef[] {
    return this.#deps.profile.db
      .prepare('SELECT DISTINCT sender FROM keys_held_mailbox ORDER BY sender', { pluck: true })
      .all()
      .map((key) => {
        const text = String(key);
        const dot = text.lastIndexOf('.');
        return { userId: text.slice(0, dot), deviceId: Number(text.slice(dot + 1)) };
      });
  }

  /** Decrypt one item and keep its key as pending; returns the key's workspace. */
  async #open(item: MailboxItem): Promise<string | undefined> {
    const { self, stores, signalQueue, identities, keys, problems } = this.#deps;
    if (deviceKey(item.to) !== deviceKey(self)) {
      problems.report({ code: 'key_distribution', message: `The server delivered a message addressed to ${deviceKey(item.to)}; it was discarded.` });
      return undefined;
    }
    if (identities.changed(item.from) !== undefined) {
      this.#hold(item);
      return undefined;
    }
    if (identities.usable(item.from) === undefined) {
      // No valid certificate for the sender (yet): keep the item; it is read once one arrives.
      this.#hold(item);
      if (!this.#reportedUncertified.has(deviceKey(item.from))) {
        this.#reportedUncertified.add(deviceKey(item.from));
        problems.report({
          code: 'uncertified',
          message: `A key message from ${deviceKey(item.from)} is held: that device has no valid certificate.`,
          device: item.from,
        });
      }
      return undefined;
    }
    const result = await signalQueue.run(() => unwrapEpochKey(stores, self, item.from, item.message));
    if (!result.ok) {
      if (result.code === 'identity_changed') {
        // The message was made with another identity than the certified one: forged.
        problems.report({
          code: 'uncertified',
          message: `A key message claiming to be from ${deviceKey(item.from)} was made with a key that is not its certified one; it was discarded.`,
          device: item.from,
        });
        return undefined;
      }
      this.#log.info({ from: deviceKey(item.from), code: result.code }, 'mailbox item not readable');
      problems.report({ code: 'key_distribution', message: `A key message from ${deviceKey(item.from)} could not be read (${result.code}).`, device: item.from });
      return undefined;
    }
    keys.addPending({ workspaceId: result.workspaceId, epoch: result.epoch, sender: item.from, key: result.key });
    if (result.names !== undefined) await this.#learnNames(result.workspaceId, item.from, result.names);
    // Kept under their commitments: shown only where the verified chain names them (identity/workspace-texts.ts).
    if (result.texts !== undefined) this.#deps.texts.learn(result.workspaceId, result.texts);
    return result.workspaceId;
  }

  /** Take the client names a key message carried, each only if it matches the client's certificate. */
  async #learnNames(workspaceId: string, from: DeviceRef, names: readonly ClientName[]): Promise<void> {
    const { identities, problems } = this.#deps;
    try {
      await identities.book.ensure(names.map((n) => n.userId));
    } catch (error) {
      if (!(error instanceof RestError)) throw error;
    }
    for (const refused of this.#deps.names.learn(workspaceId, names)) {
      problems.report({ code: 'uncertified', message: `${deviceKey(from)} sent a client name that was refused: ${refused.detail}.`, workspaceId, device: from });
    }
  }

  /** Bring the chains of the touched workspaces up to the keys' epochs, then accept what they allow. */
  async #settle(touched: ReadonlySet<string>): Promise<void> {
    const { keys, sync } = this.#deps;
    for (const workspaceId of touched) {
      const state = sync.state(workspaceId);
      const newest = Math.max(...keys.pending(workspaceId).map((p) => p.epoch));
      if (state === undefined || newest > state.epoch) {
        try {
          // Accepting happens in the sync's verified-listener; this only catches the chain up.
          await sync.syncWorkspace(workspaceId);
        } catch (error) {
          if (!(error instanceof RestError) || error.code === 'offline') throw error;
          this.#log.info({ workspaceId, code: error.code }, 'chain of a key not available');
        }
      }
      this.resolvePending(workspaceId);
    }
  }

  #hold(item: MailboxItem): void {
    this.#deps.profile.db
      .prepare('INSERT INTO keys_held_mailbox (id, sender, message, received_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run([item.id, deviceKey(item.from), JSON.stringify(item.message), Date.now()]);
  }
}
