/**
 * The keys module assembled for one device: verified membership, epoch keys, their
 * distribution, and the MembershipService, wired to the server link's notices. Chains
 * are synced at start, on every (re)connection and `membership` notice, the mailbox on
 * every `mailbox` notice, and owed keys are delivered whenever the link comes online.
 */
import type { Logger } from 'pino';
import { pino } from 'pino';
import { SerialQueue } from '../account/serial-queue';
import { BackoffTimers, MAX_REPAIR_RETRY_MS } from '../backoff-timers';
import type { ProblemSink, ServerLink } from '../contracts';
import { RestError } from '../contracts';
import { ChainStore } from './chain-store';
import { ChainUpkeep, awaitingClients, isOwnerDevice } from './chain-upkeep';
import { ChainWriter } from './chain-writer';
import type { KeysDevice } from './chain-writer';
import { Directory } from './directory';
import { EpochKeyStore } from './epoch-key-store';
import { KeySender } from './key-sender';
import { LocalKeyRing } from './key-ring';
import { MailboxReceiver } from './mailbox-receiver';
import { LocalMembershipService } from './membership-service';
import { MembershipSync } from './membership-sync';
import { KEYS_MIGRATIONS } from './schema';
import { TrustedIdentities } from './trusted-identities';

/** Report a server refusal of a background step as a problem. */
export function reportRefusal(problems: ProblemSink, what: string, error: RestError): void {
  problems.report({
    code: error.code === 'forbidden' ? 'forbidden' : 'server_error',
    message: `The server refused a background step (${what}): ${error.code}.`,
  });
}

/** Options of {@link createKeysCore}. */
export interface KeysCoreOptions {
  readonly device: KeysDevice;
  readonly problems: ProblemSink;
  /** the server link whose notices drive sync; tests may drive the core by hand instead */
  readonly link?: ServerLink;
  readonly log?: Logger;
  /** how often an owner looks for the first device of an invited client; default 30 s */
  readonly clientPollMs?: number;
  /** first wait before a refused chain is pulled again (doubling up to a minute); default {@link CHAIN_RESYNC_MS} */
  readonly chainResyncMs?: number;
}

/** Default first wait before a workspace whose chain answer was refused is pulled again. */
export const CHAIN_RESYNC_MS = 1_000;

/** The assembled keys module of one device. */
export interface KeysCore {
  readonly keyRing: LocalKeyRing;
  readonly membership: LocalMembershipService;
  readonly sync: MembershipSync;
  readonly receiver: MailboxReceiver;
  readonly sender: KeySender;
  readonly identities: TrustedIdentities;
  /** Sync chains, read the mailbox, deliver owed keys. Offline is not an error (the next connection retries). */
  refresh(): Promise<void>;
  /** Stop timers and notice handlers. */
  close(): void;
}

/** Build the keys module for `opts.device` (its migrations run here). */
export function createKeysCore(opts: KeysCoreOptions): KeysCore {
  const { device, problems } = opts;
  const log = (opts.log ?? pino({ level: 'silent' })).child({ module: 'keys/core' });
  device.profile.migrate(KEYS_MIGRATIONS);
  const chains = new ChainStore(device.profile);
  const keys = new EpochKeyStore(device.profile);
  const directory = new Directory(device.rest);
  const identities = new TrustedIdentities(device.profile, device.stores, device.signalQueue, device.self, device.identityPublicKey);
  const sync = new MembershipSync({
    self: device.self, rest: device.rest, chains, directory, identities, problems, log, pendingKeys: (workspaceId) => keys.pending(workspaceId),
  });
  const common = { self: device.self, stores: device.stores, signalQueue: device.signalQueue, rest: device.rest, keys, sync, identities, directory, problems, log };
  const sender = new KeySender(common, new SerialQueue());
  const receiver = new MailboxReceiver({ ...common, profile: device.profile });
  const keyRing = new LocalKeyRing(sync, keys, identities, receiver);
  const writer = new ChainWriter(device, { sync, keys, sender, onOwnEpoch: (id) => keyRing.notifyEpoch(id), log });
  const upkeep = new ChainUpkeep(device, { chains, writer, receiver, directory, identities, problems }, log);
  sync.onVerified(upkeep.afterVerified);
  const membership = new LocalMembershipService(device, { sync, chains, writer, sender, receiver, directory, identities, problems });

  const quietly = (what: string, task: () => Promise<unknown>): void => {
    task().catch((error: unknown) => {
      if (error instanceof RestError && error.code === 'offline') {
        log.info({ what }, 'postponed: server unreachable');
        return;
      }
      log.warn({ what, code: error instanceof RestError ? error.code : 'error' }, 'background step failed');
      // A refusal by the server is the user's business too; a local bug is only logged.
      if (error instanceof RestError) reportRefusal(problems, what, error);
    });
  };

  const refresh = async (): Promise<void> => {
    try {
      await sync.syncAll();
      await receiver.receive();
      await sender.deliver();
    } catch (error) {
      if (error instanceof RestError && error.code === 'offline') return;
      throw error;
    }
  };

  // A refused chain answer leaves this device on its last verified state; nothing else
  // would ask again until the next notice or reconnection, so ask again with backoff.
  const resyncs = new BackoffTimers(MAX_REPAIR_RETRY_MS);
  const unsubscribe: (() => void)[] = [
    sync.onPullOutcome((workspaceId, refused) => {
      if (!refused) {
        resyncs.reset(workspaceId);
        return;
      }
      resyncs.schedule(workspaceId, opts.chainResyncMs ?? CHAIN_RESYNC_MS, () => quietly('chain re-sync', () => sync.syncWorkspace(workspaceId)));
    }),
  ];
  const link = opts.link;
  if (link !== undefined) {
    unsubscribe.push(
      link.onOnline(() => quietly('refresh', refresh)),
      link.onNotice('membership', (n) => quietly('membership', () => sync.syncWorkspace(n.workspaceId))),
      // The server's word is not taken for it: the chain decides whether access was lost.
      link.onNotice('revoked', (n) => quietly('revoked', () => sync.syncWorkspace(n.workspaceId))),
      link.onNotice('mailbox', () => quietly('mailbox', () => receiver.receive())),
    );
  }

  // An invited client enrols without any notice reaching the owner: look now and then.
  const poll = setInterval(() => {
    for (const workspaceId of sync.workspaceIds()) {
      const state = sync.state(workspaceId);
      if (state === undefined || !isOwnerDevice(state, device.self)) continue;
      if (awaitingClients(state, chains.events(workspaceId).map((s) => s.event)).length === 0) continue;
      quietly('client poll', () => sync.syncWorkspace(workspaceId));
    }
  }, opts.clientPollMs ?? 30_000);
  poll.unref();

  return {
    keyRing,
    membership,
    sync,
    receiver,
    sender,
    identities,
    refresh,
    close() {
      clearInterval(poll);
      resyncs.close();
      sender.close();
      for (const off of unsubscribe.splice(0)) off();
    },
  };
}
