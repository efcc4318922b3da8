/**
 * Delivery of epoch keys (DESIGN §5): each key goes to each recipient device as a
 * pairwise libsignal message through the server's mailbox. A session is built from a
 * claimed bundle the first time; a bundle whose identity key differs from the trusted
 * one is refused (`identity_changed`) and nothing is sent to that device until the user
 * accepts the change. What could not be delivered stays owed and is retried.
 */
import type { Logger } from 'pino';
import { bytesEqual, fromBase64 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { publicKeyFromBytes } from '@yhteispoyta/crypto/identity';
import { wrapEpochKey } from '@yhteispoyta/crypto/epoch';
import { verifyClaimedBundle } from '@yhteispoyta/crypto/prekeys';
import { MAX_MAILBOX_SEND } from '@yhteispoyta/crypto/protocol';
import { establishSession, hasSession } from '@yhteispoyta/crypto/sessions';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { ClaimedBundle, ControlMessage, DeviceRef } from '@yhteispoyta/crypto/types';
import type { SerialQueue } from '../account/serial-queue';
import { BackoffTimers, MAX_REPAIR_RETRY_MS } from '../backoff-timers';
import type { ProblemSink, RestClient } from '../contracts';
import { RestError } from '../contracts';
import type { SqlSignalStores } from '../profile/signal-stores';
import type { Directory } from './directory';
import type { EpochKeyStore, Grant } from './epoch-key-store';
import { isMemberDevice } from './membership-sync';
import type { MembershipSync } from './membership-sync';
import type { TrustedIdentities } from './trusted-identities';

/** What the sender works with. */
export interface KeySenderDeps {
  readonly self: DeviceRef;
  readonly stores: SqlSignalStores;
  /** the profile's libsignal queue */
  readonly signalQueue: SerialQueue;
  readonly rest: RestClient;
  readonly keys: EpochKeyStore;
  readonly sync: MembershipSync;
  readonly identities: TrustedIdentities;
  readonly directory: Directory;
  readonly problems: ProblemSink;
  readonly log: Logger;
}

/**
 * First wait before keys left owed by a round (a refused or substituted bundle, an
 * identity change, a refusal) are tried again, doubling up to a minute: nothing else
 * would try before the next reconnection or membership change.
 */
export const REDELIVERY_MS = 1_000;

/** Outcome of one delivery round. */
export interface DeliveryReport {
  readonly sent: number;
  /** grants left owed (identity changes, unreachable devices, refusals) */
  readonly pending: number;
}

/** Sends owed epoch keys. */
export class KeySender {
  readonly #deps: KeySenderDeps;
  readonly #log: Logger;
  readonly #rounds: SerialQueue;
  readonly #redelivery = new BackoffTimers(MAX_REPAIR_RETRY_MS);
  readonly #redeliveryMs: number;

  /** A sender for the device of `deps`; keys left owed are tried again after `redeliveryMs` (doubling). */
  constructor(deps: KeySenderDeps, rounds: SerialQueue, redeliveryMs = REDELIVERY_MS) {
    this.#deps = deps;
    this.#log = deps.log.child({ module: 'keys/key-sender' });
    this.#rounds = rounds;
    this.#redeliveryMs = redeliveryMs;
  }

  /** Stop trying again. */
  close(): void {
    this.#redelivery.close();
  }

  /** Owe the key of `epoch` to `recipients` (this device excluded) and deliver what is owed in that workspace. */
  async grant(workspaceId: string, epoch: number, recipients: readonly DeviceRef[]): Promise<DeliveryReport> {
    const self = deviceKey(this.#deps.self);
    this.#deps.keys.owe(recipients.filter((d) => deviceKey(d) !== self).map((device) => ({ workspaceId, epoch, device })));
    return this.deliver({ workspaceId });
  }

  /** Deliver owed grants, one round at a time. Rejects `offline` when the server cannot be reached. */
  deliver(filter: { workspaceId?: string; device?: DeviceRef } = {}): Promise<DeliveryReport> {
    return this.#rounds.run(async () => {
      const report = await this.#deliverRound(filter);
      this.#scheduleRedelivery();
      return report;
    });
  }

  /** While keys this device holds are still owed, try again later; once none are, forget the backoff. */
  #scheduleRedelivery(): void {
    const { keys } = this.#deps;
    const owed = keys.owed().filter((g) => keys.get(g.workspaceId, g.epoch) !== undefined);
    if (owed.length === 0) {
      this.#redelivery.reset('owed');
      return;
    }
    this.#redelivery.schedule('owed', this.#redeliveryMs, () => {
      this.deliver().catch((error: unknown) => {
        this.#log.info({ reason: error instanceof RestError ? error.code : 'error' }, 'redelivery postponed');
      });
    });
  }

  async #deliverRound(filter: { workspaceId?: string; device?: DeviceRef }): Promise<DeliveryReport> {
    const { keys, sync } = this.#deps;
    const owed = keys.owed(filter);
    // A device that left the chain since is owed nothing any more.
    const stale = owed.filter((g) => {
      const state = sync.state(g.workspaceId);
      return state === undefined || !isMemberDevice(state, g.device);
    });
    keys.cancel(stale);
    // A key this device does not hold yet stays owed until it arrives.
    const live = owed.filter((g) => !stale.includes(g) && keys.get(g.workspaceId, g.epoch) !== undefined);
    const recipients = [...new Map(live.map((g) => [deviceKey(g.device), g.device])).values()];
    await this.#checkIdentities(recipients);
    const ready = await this.#sessionsFor(recipients);
    const items: { to: DeviceRef; message: ControlMessage }[] = [];
    const wrapped: Grant[] = [];
    for (const grant of live.filter((g) => ready.has(deviceKey(g.device)))) {
      const message = await this.#wrap(grant);
      if (message !== undefined) {
        items.push({ to: grant.device, message });
        wrapped.push(grant);
      }
    }
    let sent = 0;
    for (let i = 0; i < items.length; i += MAX_MAILBOX_SEND) {
      const chunk = items.slice(i, i + MAX_MAILBOX_SEND);
      try {
        await this.#deps.rest.call('sendMailbox', { body: { items: chunk } });
      } catch (error) {
        if (!(error instanceof RestError) || error.code === 'offline') throw error;
        this.#deps.problems.report({ code: 'key_distribution', message: `The server refused to deliver epoch keys (${error.code}); they will be sent again later.` });
        continue;
      }
      keys.delivered(wrapped.slice(i, i + MAX_MAILBOX_SEND));
      sent += chunk.length;
    }
    this.#log.info({ sent, owed: live.length }, 'epoch keys delivered');
    return { sent, pending: live.length - sent };
  }

  /**
   * Compare the recipients' keys with what the directory announces now: a device that was
   * reinstalled (or is being impersonated) must not get keys over the old session either.
   */
  async #checkIdentities(devices: readonly DeviceRef[]): Promise<void> {
    for (const change of await this.#deps.identities.ensureKnown(devices, this.#deps.directory)) {
      this.#deps.problems.report({
        code: 'identity_changed',
        message: `The identity key of device ${deviceKey(change.device)} changed. Keys are not sent to it until you compare the new safety number and accept the change.`,
        device: change.device,
      });
    }
  }

  /** The devices (of `devices`) with a usable session after claiming bundles for the others. */
  async #sessionsFor(devices: readonly DeviceRef[]): Promise<Set<string>> {
    const { stores, signalQueue, identities } = this.#deps;
    const ready = new Set<string>();
    const missing = new Map<string, number[]>();
    for (const device of devices) {
      if (identities.changed(device) !== undefined) continue;
      if (await signalQueue.run(() => hasSession(stores, device))) ready.add(deviceKey(device));
      else missing.set(device.userId, [...(missing.get(device.userId) ?? []), device.deviceId]);
    }
    for (const [userId, deviceIds] of missing) {
      let bundles: ClaimedBundle[];
      try {
        bundles = (await this.#deps.rest.call('claimBundles', { body: { userId, deviceIds } })).bundles;
      } catch (error) {
        if (!(error instanceof RestError) || error.code === 'offline') throw error;
        this.#deps.problems.report({ code: 'key_distribution', message: `No prekey bundle for ${userId} (${error.code}); the key will be sent later.` });
        continue;
      }
      for (const bundle of bundles) {
        if (bundle.device.userId !== userId || !deviceIds.includes(bundle.device.deviceId)) continue;
        if (await this.#establish(bundle)) ready.add(deviceKey(bundle.device));
      }
    }
    return ready;
  }

  async #establish(bundle: ClaimedBundle): Promise<boolean> {
    const { stores, signalQueue, identities, problems, self } = this.#deps;
    const device = bundle.device;
    const checked = verifyClaimedBundle(bundle);
    if (!checked.ok) {
      problems.report({ code: 'key_distribution', message: `The prekey bundle of ${deviceKey(device)} is invalid (${checked.code}).`, device });
      return false;
    }
    const announced = fromBase64(bundle.identityKey);
    const trusted = identities.trusted(device);
    if (announced !== undefined && trusted !== undefined && !bytesEqual(announced, trusted)) {
      this.#identityChanged(device, announced);
      return false;
    }
    const result = await signalQueue.run(() => establishSession(stores, self, checked.bundle));
    if (result.ok) return true;
    if (result.code === 'identity_changed') {
      const key = result.newIdentityKey === undefined ? undefined : fromBase64(result.newIdentityKey);
      if (key !== undefined) this.#identityChanged(device, key);
    } else {
      problems.report({ code: 'key_distribution', message: `No session with ${deviceKey(device)} (${result.code}).`, device });
    }
    return false;
  }

  async #wrap(grant: Grant): Promise<ControlMessage | undefined> {
    const { stores, signalQueue, keys, self, problems } = this.#deps;
    const key = keys.get(grant.workspaceId, grant.epoch);
    if (key === undefined) return undefined;
    const result = await signalQueue.run(() => wrapEpochKey(stores, self, grant.device, { workspaceId: grant.workspaceId, epoch: grant.epoch, key }));
    if (result.ok) return result.message;
    problems.report({ code: 'key_distribution', message: `The epoch key could not be encrypted for ${deviceKey(grant.device)} (${result.code}).`, workspaceId: grant.workspaceId, device: grant.device });
    return undefined;
  }

  #identityChanged(device: DeviceRef, newKey: Bytes): void {
    if (publicKeyFromBytes(newKey) === undefined) return;
    if (this.#deps.identities.noteAnnounced(device, newKey)) {
      this.#deps.problems.report({
        code: 'identity_changed',
        message: `The identity key of device ${deviceKey(device)} changed. Keys are not sent to it until you compare the new safety number and accept the change.`,
        device,
      });
    }
  }
}
