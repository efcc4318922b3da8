/**
 * Delivery of epoch keys (docs/design.md §5): each key goes to each recipient device as a
 * pairwise libsignal message through the server's mailbox, and only to devices that
 * certificates back (identity/certificate-book.ts): a device the chain names without a
 * valid certificate gets nothing. A session is built from a claimed bundle the first
 * time; a bundle whose identity key is not the certified one is refused (`uncertified`:
 * the server substituted it). Each key message also carries the names of the workspace's
 * clients this device knows (checked by the receiver against the clients' certificates) and
 * the workspace's label and consent purpose (checked against the chain's commitments).
 * What could not be delivered stays owed and is retried.
 */
import type { Logger } from 'pino';
import { bytesEqual, fromBase64 } from '@yhteispoyta/crypto/bytes';
import { wrapEpochKey } from '@yhteispoyta/crypto/epoch';
import { verifyClaimedBundle } from '@yhteispoyta/crypto/prekeys';
import { MAX_MAILBOX_SEND } from '@yhteispoyta/crypto/protocol';
import { establishSession, hasSession } from '@yhteispoyta/crypto/sessions';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { ClaimedBundle, ControlMessage, DeviceRef } from '@yhteispoyta/crypto/types';
import type { SerialQueue } from '@yhteispoyta/common/queue';
import { BackoffTimers, MAX_REPAIR_RETRY_MS } from '../backoff-timers';
import type { ProblemSink, RestClient } from '../contracts';
import { RestError } from '../contracts';
import type { ClientNames } from '../identity/client-names';
import type { WorkspaceTexts } from '../identity/workspace-texts';
import type { SqlSignalStores } from '../profile/signal-stores';
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
  readonly names: ClientNames;
  readonly texts: WorkspaceTexts;
  readonly problems: ProblemSink;
  readonly log: Logger;
}

/**
 * First wait before keys left owed by a round (a refused or substituted bundle, an
 * identity change, a refusal) are tried again, doubling up to a minute: nothing else
 * would try before the next reconnection or membership change.
 */
const REDELIVERY_MS = 1_000;

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
    const { keys, sync, identities } = this.#deps;
    const owed = keys.owed(filter);
    // A device that left the chain since, or whose certificate was revoked, is owed nothing any more.
    const stale = owed.filter((g) => {
      const state = sync.state(g.workspaceId);
      return state === undefined || !isMemberDevice(state, g.device) || this.#revoked(g.device);
    });
    keys.cancel(stale);
    await this.#checkIdentities([...new Map(owed.filter((g) => !stale.includes(g)).map((g) => [deviceKey(g.device), g.device])).values()]);
    // Only devices certificates back get keys; the others stay owed until a certificate arrives.
    const trusted = new Map<string, Set<string>>();
    const isTrusted = (g: Grant): boolean => {
      let set = trusted.get(g.workspaceId);
      if (set === undefined) {
        set = new Set(sync.trustedDevices(g.workspaceId).map(deviceKey));
        trusted.set(g.workspaceId, set);
      }
      return set.has(deviceKey(g.device)) && identities.usable(g.device) !== undefined;
    };
    // A key this device does not hold yet stays owed until it arrives.
    const live = owed.filter((g) => !stale.includes(g) && keys.get(g.workspaceId, g.epoch) !== undefined && isTrusted(g));
    const recipients = [...new Map(live.map((g) => [deviceKey(g.device), g.device])).values()];
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

  /** Make sure the recipients' certificates are known; a person whose user key changed gets nothing until the user accepts it. */
  async #checkIdentities(devices: readonly DeviceRef[]): Promise<void> {
    for (const change of await this.#deps.identities.ensureKnown(devices)) {
      this.#deps.problems.report({
        code: 'identity_changed',
        message: `The certified key of ${change.userId} changed. Keys are not sent to that person until you compare the new safety number and accept the change.`,
      });
    }
  }

  /** Whether certificates say the device (or its whole person) was revoked. */
  #revoked(device: DeviceRef): boolean {
    const status = this.#deps.identities.book.status(device.userId);
    if (!status.ok) return status.code === 'revoked';
    return status.person.revokedDevices.some((d) => d.deviceId === device.deviceId) && !status.person.devices.some((d) => d.deviceId === device.deviceId);
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
    const certified = identities.usable(device);
    if (announced === undefined || certified === undefined || !bytesEqual(announced, certified)) {
      problems.report({
        code: 'uncertified',
        message: `The server handed out a prekey bundle for ${deviceKey(device)} whose identity key is not the certified one; no key was sent to it.`,
        device,
      });
      return false;
    }
    const result = await signalQueue.run(() => establishSession(stores, self, checked.bundle));
    if (result.ok) return true;
    problems.report({ code: 'key_distribution', message: `No session with ${deviceKey(device)} (${result.code}).`, device });
    return false;
  }

  async #wrap(grant: Grant): Promise<ControlMessage | undefined> {
    const { stores, signalQueue, keys, self, problems } = this.#deps;
    const key = keys.get(grant.workspaceId, grant.epoch);
    if (key === undefined) return undefined;
    const names = this.#deps.names.namesFor(grant.workspaceId);
    const state = this.#deps.sync.state(grant.workspaceId);
    const texts = state === undefined ? [] : this.#deps.texts.forKeys(state);
    const result = await signalQueue.run(() =>
      wrapEpochKey(stores, self, grant.device, {
        workspaceId: grant.workspaceId, epoch: grant.epoch, key, ...(names.length === 0 ? {} : { names }), ...(texts.length === 0 ? {} : { texts }),
      }),
    );
    if (result.ok) return result.message;
    problems.report({ code: 'key_distribution', message: `The epoch key could not be encrypted for ${deviceKey(grant.device)} (${result.code}).`, workspaceId: grant.workspaceId, device: grant.device });
    return undefined;
  }

}
