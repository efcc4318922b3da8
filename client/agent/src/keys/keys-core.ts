/**
 * The keys module assembled for one device: certificates (who people are), verified
 * membership, epoch keys, their distribution, the MembershipService and this person's
 * devices, wired to the server link's notices. Chains are synced at start, on every
 * (re)connection and `membership` notice, the mailbox on every `mailbox` notice,
 * certificates on every `certificates` notice and (re)connection and every few minutes,
 * and owed keys are delivered whenever the link comes online.
 */
import type { PrivateKey } from '@signalapp/libsignal-client';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { rootFingerprint } from '@yhteispoyta/crypto/certificates/codes';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { SerialQueue } from '@yhteispoyta/common/queue';
import { BackoffTimers, MAX_REPAIR_RETRY_MS } from '../backoff-timers';
import type { ProblemSink, ServerLink } from '../contracts';
import { RestError } from '../contracts';
import { ChainStore } from './chain-store';
import { ChainUpkeep, awaitingClients, isOwnerDevice } from './chain-upkeep';
import { ChainWriter } from './chain-writer';
import type { StreamClocks } from './chain-writer';
import type { KeysDevice } from './chain-writer';
import { CertificateBook } from '../identity/certificate-book';
import { ClientNames } from '../identity/client-names';
import { WorkspaceTexts } from '../identity/workspace-texts';
import { DeviceLinks } from '../identity/device-links';
import { Invitations } from '../identity/invitations';
import { IDENTITY_MIGRATIONS } from '../identity/schema';
import { Directory } from './directory';
import { EpochKeyStore } from './epoch-key-store';
import { KeySender } from './key-sender';
import { LocalKeyRing } from './key-ring';
import { MailboxReceiver } from './mailbox-receiver';
import { LocalMembershipService } from './membership-service';
import { redeemFurtherInvitation } from '../account/further-invitation';
import { AcceptanceStore } from './workspace-acceptance';
import { MembershipSync } from './membership-sync';
import { OwnDevices } from './own-devices';
import { KEYS_MIGRATIONS } from './schema';
import { TrustedIdentities } from './trusted-identities';
import { LogWitness } from '../transparency/log-witness';
import { ProcessingService } from '../processing/processing-service';

/** Report a server refusal of a background step as a problem. */
function reportRefusal(problems: ProblemSink, what: string, error: RestError): void {
  problems.report({
    code: error.code === 'forbidden' ? 'forbidden' : 'server_error',
    message: `The server refused a background step (${what}): ${error.code}.`,
  });
}

/** The device as the keys module needs it: identity, profile, stores, REST, the pinned root and the person's user key. */
export interface KeysCoreDevice extends KeysDevice {
  readonly kind: 'enrolment' | 'invitation' | 'device_link';
  readonly rootKey: Bytes;
  readonly approvalCode: string | undefined;
  userKey(): PrivateKey | undefined;
  setDisplayName(name: string): void;
}

/** Default interval of the certificate refresh of every known person (revocations, new devices). */
const CERTIFICATE_REFRESH_MS = 10 * 60_000;

/** Options of {@link createKeysCore}. */
export interface KeysCoreOptions {
  readonly device: KeysCoreDevice;
  readonly problems: ProblemSink;
  /** the server link whose notices drive sync; tests may drive the core by hand instead */
  readonly link?: ServerLink;
  readonly log?: Logger;
  /** how often an owner looks for the first device of an invited client; default 30 s */
  readonly clientPollMs?: number;
  /** first wait before a refused chain is pulled again (doubling up to a minute); default {@link CHAIN_RESYNC_MS} */
  readonly chainResyncMs?: number;
  /** how often every known person's certificates are fetched again; default {@link CERTIFICATE_REFRESH_MS} */
  readonly certificateRefreshMs?: number;
  /** first wait before a device still waiting for its own certification looks again (doubling up to a minute); default {@link OWN_CERTIFICATION_RECHECK_MS} */
  readonly ownCertificationRecheckMs?: number;
  /** the clocks this device accepted per stream (sync's), for the clock cut of its rotations; default none */
  readonly streamClocks?: StreamClocks;
}

/** Default first wait before a device waiting for its own certification looks again. */
const OWN_CERTIFICATION_RECHECK_MS = 2_000;

/** Default first wait before a workspace whose chain answer was refused is pulled again. */
const CHAIN_RESYNC_MS = 1_000;

/** The assembled keys module of one device. */
export interface KeysCore {
  readonly keyRing: LocalKeyRing;
  readonly membership: LocalMembershipService;
  readonly sync: MembershipSync;
  readonly receiver: MailboxReceiver;
  readonly sender: KeySender;
  readonly identities: TrustedIdentities;
  readonly devices: OwnDevices;
  /** workspace labels and consent purposes, from encrypted key messages under the chain's commitments */
  readonly texts: WorkspaceTexts;
  /** this device's checks of the transparency log: its newest verified head, peers' heads compared with it */
  readonly witness: LogWitness;
  /** "Tietojeni käsittely" from this device's verified chain and the checked audit log (issue 13) */
  readonly processing: ProcessingService;
  /** Sync certificates and chains, read the mailbox, deliver owed keys. Offline is not an error (the next connection retries). */
  refresh(): Promise<void>;
  /** Stop timers and notice handlers. */
  close(): void;
}

/** Build the keys module for `opts.device` (its migrations run here). */
export function createKeysCore(opts: KeysCoreOptions): KeysCore {
  const { device, problems } = opts;
  const log = (opts.log ?? pino({ level: 'silent' })).child({ module: 'keys/core' });
  device.profile.migrate(KEYS_MIGRATIONS);
  device.profile.migrate(IDENTITY_MIGRATIONS);
  const chains = new ChainStore(device.profile);
  const keys = new EpochKeyStore(device.profile);
  const directory = new Directory(device.rest);
  const witness = new LogWitness({ profile: device.profile, rest: device.rest, root: device.rootKey, problems, log: log.child({ module: 'transparency/witness' }) });
  const book = new CertificateBook({ profile: device.profile, rest: device.rest, root: device.rootKey, witness, log });
  const names = new ClientNames(device.profile, book);
  const texts = new WorkspaceTexts(device.profile);
  const identities = new TrustedIdentities(device.profile, device.stores, device.signalQueue, device.self, device.identityPublicKey, book);
  const fingerprint = rootFingerprint(device.rootKey);
  const invitations = new Invitations({ profile: device.profile, rest: device.rest, self: device.self, identityKey: device.identityKey, rootFingerprint: fingerprint, book, names, log });
  const links = new DeviceLinks({ profile: device.profile, rest: device.rest, self: device.self, userKey: () => device.userKey(), rootFingerprint: fingerprint, book, problems, log });
  const sync = new MembershipSync({
    self: device.self, rest: device.rest, chains, identities, problems, log, pendingKeys: (workspaceId) => keys.pending(workspaceId),
  });
  const common = { self: device.self, stores: device.stores, signalQueue: device.signalQueue, rest: device.rest, keys, sync, identities, names, texts, problems, log };
  const sender = new KeySender(common, new SerialQueue());
  const receiver = new MailboxReceiver({ ...common, profile: device.profile });
  const keyRing = new LocalKeyRing(sync, keys, identities, receiver);
  // A label or purpose arriving (in a key message) changes what the workspace shows.
  texts.onChange((workspaceId) => keyRing.notifyMembership(workspaceId));
  const streamClocks = opts.streamClocks ?? (() => ({}));
  const writer = new ChainWriter(device, { sync, keys, sender, onOwnEpoch: (id) => keyRing.notifyEpoch(id), streamClocks, log });
  const upkeep = new ChainUpkeep(device, { sync, chains, writer, receiver, identities, invitations, problems }, log);
  sync.onVerified(upkeep.afterVerified);
  const acceptance = new AcceptanceStore(device.profile);
  const membership = new LocalMembershipService(device, { redeemCode: (code) => redeemFurtherInvitation(device, code), sync, chains, writer, sender, receiver, directory, identities, invitations, names, texts, problems, acceptance });
  const devices = new OwnDevices(device, { sync, chains, writer, links, identities, names, problems, log });
  const processing = new ProcessingService({ rest: device.rest, sync, chains, book, names, texts, problems, log });

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

  /** Everyone whose certificates matter to this device: itself and every member of its workspaces. */
  const knownPeople = (): string[] => {
    const ids = new Set<string>([device.self.userId]);
    for (const workspaceId of sync.workspaceIds()) for (const userId of sync.state(workspaceId)?.members.keys() ?? []) ids.add(userId);
    return [...ids];
  };

  const refreshCertificates = async (userIds: readonly string[]): Promise<void> => {
    for (const change of await identities.refresh(userIds)) {
      problems.report({ code: 'identity_changed', message: `The certified key of ${change.userId} changed. Compare the new safety number before accepting it.` });
    }
  };

  const refresh = async (): Promise<void> => {
    try {
      await refreshCertificates(knownPeople());
      await sync.syncAll();
      await receiver.receive();
      await sender.deliver();
    } catch (error) {
      if (error instanceof RestError && error.code === 'offline') return;
      throw error;
    }
  };

  /**
   * Certificates of these people changed (a certification, a new device, a revocation):
   * install their keys, read what was held for them, let owners remove what was revoked,
   * tell the user about untrusted devices, and hand owed keys to newly certified ones.
   */
  const afterCertificates = async (userIds: readonly string[]): Promise<void> => {
    for (const change of await identities.adopt(userIds)) {
      problems.report({ code: 'identity_changed', message: `The certified key of ${change.userId} changed. Compare the new safety number before accepting it.` });
    }
    for (const held of receiver.heldSenders()) if (userIds.includes(held.userId)) await receiver.releaseHeld(held);
    if (userIds.includes(device.self.userId)) {
      devices.notify();
      // A device just certified (or added by its approver) may already be named in chains.
      await sync.syncAll();
    }
    for (const workspaceId of sync.workspaceIds()) {
      const state = sync.state(workspaceId);
      if (state === undefined || !userIds.some((id) => state.members.has(id))) continue;
      await sync.exclusive(() => upkeep.removeRevokedLocked(workspaceId));
      sync.reportUntrusted(workspaceId);
      keyRing.notifyMembership(workspaceId);
    }
    await sender.deliver();
  };
  const offBook = book.onChange((userIds) => quietly('certificates changed', () => afterCertificates(userIds)));
  // A client learns his own name (the one his inviter typed) from a key message: his status shows it.
  const offNames = names.onChange((userId) => {
    if (userId === device.self.userId) devices.notify();
  });

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
  // A device waiting for its own certification does not rely on one notice: a notice whose
  // refresh failed (a busy server, a log head that moved while it was read) or that never came
  // would otherwise leave it waiting for the ten-minute refresh. It looks again with backoff
  // (from OWN_CERTIFICATION_RECHECK_MS, doubling up to a minute) while it is pending and online.
  const ownRecheck = new BackoffTimers(MAX_REPAIR_RETRY_MS);
  let closed = false;
  const recheckOwnCertification = (): void => {
    // A check that ends after close() must not touch the closed profile.
    if (closed) return;
    if (devices.certification().state !== 'pending' || opts.link?.status() !== 'online') {
      ownRecheck.reset('self');
      return;
    }
    ownRecheck.schedule('self', opts.ownCertificationRecheckMs ?? OWN_CERTIFICATION_RECHECK_MS, () => {
      refreshCertificates([device.self.userId])
        .catch((error: unknown) => log.info({ code: error instanceof RestError ? error.code : 'error' }, 'own certification check failed'))
        .then(recheckOwnCertification)
        .catch((error: unknown) => log.warn({ reason: error instanceof Error ? error.message : 'unknown' }, 'own certification recheck failed'));
    });
  };
  const link = opts.link;
  if (link !== undefined) {
    unsubscribe.push(
      link.onOnline(() => {
        quietly('refresh', refresh);
        recheckOwnCertification();
      }),
      link.onNotice('membership', (n) => quietly('membership', () => sync.syncWorkspace(n.workspaceId))),
      // The server's word is not taken for it: the chain decides whether access was lost.
      // The removal event it may carry is verified against the chain held here (who removed us, when).
      link.onNotice('revoked', (n) =>
        quietly('revoked', async () => {
          if (n.event !== undefined) await sync.applyRemovalNotice(n.workspaceId, n.event);
          return sync.syncWorkspace(n.workspaceId);
        }),
      ),
      link.onNotice('mailbox', () => quietly('mailbox', () => receiver.receive())),
      // The notice only says where to look; what counts is what the certificates verify to.
      link.onNotice('certificates', (n) => quietly('certificates', () => refreshCertificates([n.userId]))),
      link.onNotice('enrolment', (n) => {
        const invitation = invitations.forCode(n.codeId);
        if (invitation !== undefined) quietly('invitation redeemed', () => sync.syncWorkspace(invitation.workspaceId));
        else devices.notify();
      }),
    );
  }
  unsubscribe.push(offBook, offNames);
  recheckOwnCertification();

  // Revocations and new devices of people this device works with, even without a notice.
  const certificateTimer = setInterval(() => quietly('certificate refresh', () => refreshCertificates(knownPeople())), opts.certificateRefreshMs ?? CERTIFICATE_REFRESH_MS);
  certificateTimer.unref();

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
    devices,
    witness,
    texts,
    processing,
    refresh,
    close() {
      closed = true;
      clearInterval(poll);
      clearInterval(certificateTimer);
      resyncs.close();
      ownRecheck.close();
      sender.close();
      for (const off of unsubscribe.splice(0)) off();
    },
  };
}
