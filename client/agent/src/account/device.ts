/**
 * This device, once enrolled: who it is (LocalDevice), its libsignal stores and the one
 * queue every libsignal operation of the profile runs through, its login session, REST
 * client, prekey maintenance, and the factory of its server link.
 */
import type { PrivateKey, PublicKey } from '@signalapp/libsignal-client';
import { fromBase64 } from '@yhteispoyta/crypto/bytes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { DeviceIdentity } from '@yhteispoyta/crypto/identity';
import type { DeviceRef, Role } from '@yhteispoyta/crypto/types';
import { SerialQueue } from '@yhteispoyta/common/queue';
import type { LocalDevice, ProblemSink } from '../contracts';
import { HttpRestClient } from '../net/rest-client';
import { SocketServerLink } from '../net/server-link';
import type { ServerLinkOptions } from '../net/server-link';
import type { ProfileDb } from '../profile/profile-db';
import { SqlSignalStores } from '../profile/signal-stores';
import { loadAccount, loadUserKey, saveDisplayName } from './account-record';
import type { AccountRecord } from './account-record';
import { LoginSession } from './login-session';
import { PrekeyMaintenance } from './prekey-maintenance';
import type { PrekeyMaintenanceOptions } from './prekey-maintenance';

/** How often a connected device runs prekey maintenance without being asked. */
const MAINTENANCE_INTERVAL_MS = 3600 * 1000;

/** Options of {@link Device.open}. */
export interface DeviceOptions extends PrekeyMaintenanceOptions {
  readonly fetch?: typeof fetch;
  readonly log?: Logger;
  /** REST timeout per request */
  readonly requestTimeoutMs?: number;
}

/** An enrolled device on an open profile. */
export class Device implements LocalDevice {
  readonly self: DeviceRef;
  readonly orgId: string;
  readonly role: Role;
  /** the name certificates give this person ('' until known) */
  displayName: string;
  /** which code enrolled this device */
  readonly kind: AccountRecord['kind'];
  /** the deployment root pinned at enrolment (serialized public key) */
  readonly rootKey: Bytes;
  /** device_link: the digits to compare on the approving device */
  readonly approvalCode: string | undefined;
  readonly identityKey: PrivateKey;
  readonly identityPublicKey: PublicKey;
  readonly serverUrl: string;
  readonly profile: ProfileDb;
  readonly identity: DeviceIdentity;
  readonly stores: SqlSignalStores;
  /** every libsignal operation on this profile's stores runs through this queue */
  readonly signalQueue = new SerialQueue();
  readonly session: LoginSession;
  readonly rest: HttpRestClient;
  readonly prekeys: PrekeyMaintenance;
  readonly log: Logger;
  readonly #timers = new Set<NodeJS.Timeout>();

  private constructor(profile: ProfileDb, identity: DeviceIdentity, opts: DeviceOptions) {
    const account = loadAccount(profile);
    if (account === undefined) throw new Error('profile is not enrolled');
    this.profile = profile;
    this.identity = identity;
    this.self = { userId: account.userId, deviceId: account.deviceId };
    this.orgId = account.orgId;
    this.role = account.role;
    this.displayName = account.displayName ?? '';
    this.kind = account.kind;
    const rootKey = fromBase64(account.rootKey);
    if (rootKey === undefined) throw new Error('the pinned root in the account record does not decode');
    this.rootKey = rootKey;
    this.approvalCode = account.approvalCode;
    this.serverUrl = account.serverUrl;
    this.identityKey = identity.identityKeyPair.privateKey;
    this.identityPublicKey = identity.identityKeyPair.publicKey;
    this.log = opts.log ?? pino({ level: 'silent' });
    this.stores = new SqlSignalStores(profile);
    const unauthenticated = new HttpRestClient({ baseUrl: this.serverUrl, log: this.log, ...optional(opts) });
    this.session = new LoginSession(unauthenticated, this.self, this.identityKey, { log: this.log, ...(opts.now ? { now: opts.now } : {}) });
    this.rest = new HttpRestClient({ baseUrl: this.serverUrl, tokens: this.session, log: this.log, ...optional(opts) });
    this.prekeys = new PrekeyMaintenance(
      { profile, stores: this.stores, identity, rest: this.rest, queue: this.signalQueue, log: this.log },
      opts,
    );
  }

  /** The enrolled device of `profile`, or undefined when the profile has not completed enrolment. */
  static open(profile: ProfileDb, opts: DeviceOptions = {}): Device | undefined {
    if (loadAccount(profile) === undefined) return undefined;
    const identity = new SqlSignalStores(profile).loadDeviceIdentity();
    if (identity === undefined) throw new Error('enrolled profile without a device identity');
    if (identity.deviceId !== loadAccount(profile)?.deviceId) throw new Error('profile identity and account disagree on the device id');
    return new Device(profile, identity, opts);
  }

  /** The person's private user key, on the device that made it (it signs his device certificates). */
  userKey(): PrivateKey | undefined {
    return loadUserKey(this.profile);
  }

  /** Remember the name certificates give this person. */
  setDisplayName(name: string): void {
    if (name === this.displayName) return;
    this.displayName = name;
    saveDisplayName(this.profile, name);
  }

  /** Log in now (the REST client and the link otherwise log in on first use), then maintain prekeys. */
  async login(): Promise<void> {
    await this.session.renew();
    await this.prekeys.run();
  }

  /**
   * Open the socket.io link. Prekeys are checked on every connection (a login just
   * happened) and on every `mailbox` notice (a peer may have just used one of ours).
   */
  connect(problems: ProblemSink, opts: Partial<Omit<ServerLinkOptions, 'url' | 'rest' | 'tokens' | 'problems'>> = {}): SocketServerLink {
    const link = new SocketServerLink({ url: this.serverUrl, rest: this.rest, tokens: this.session, problems, log: this.log, ...opts });
    // An abnormal drain of this device's one-time prekeys is the user's to know (issue 15).
    this.prekeys.reportTo(problems);
    const maintain = (): void => {
      this.prekeys.run().catch((error: unknown) => {
        this.log.warn({ module: 'account/device', reason: error instanceof Error ? error.message : 'unknown' }, 'prekey maintenance failed');
      });
    };
    link.onOnline(maintain);
    link.onNotice('mailbox', maintain);
    // A quiet device still rotates its signed prekey on time.
    const timer = setInterval(maintain, MAINTENANCE_INTERVAL_MS);
    timer.unref();
    this.#timers.add(timer);
    return link;
  }

  /** Stop background maintenance and forget the session token (the profile stays open). */
  close(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.clear();
    this.session.forget();
  }
}

function optional(opts: DeviceOptions): { fetch?: typeof fetch; timeoutMs?: number } {
  return {
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.requestTimeoutMs ? { timeoutMs: opts.requestTimeoutMs } : {}),
  };
}
