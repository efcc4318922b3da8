/**
 * The agent host: the one object the UI API drives. Before unlock it manages profiles
 * (list, create, unlock with the passphrase); after unlock it runs one AgentSession for
 * the profile's device — the composition of Device, ServerLink, KeyRing,
 * MembershipService, DocumentSync and ChatService — and pushes what happens to the UI.
 *
 * One host holds at most one open profile: a profile is one device, and the profile
 * database is locked exclusively while open. Every state change (create, unlock, enrol,
 * lock, close) runs through one queue, so a double click in the UI cannot open a profile
 * twice or lock it half-way through unlocking.
 */
import type { Logger } from 'pino';
import { pino } from 'pino';
import { SerialQueue } from '@yhteispoyta/common/queue';
import type { AgentConfig } from './config';
import type {
  Certification,
  ChatService,
  RecordsService,
  DeviceService,
  DocumentSync,
  KeyRing,
  LinkStatus,
  LocalDevice,
  MembershipService,
  ProblemSink,
  ServerLink,
  SyncStatus,
} from './contracts';
import { LegacyProfileError, loadAccount } from './account/account-record';
import { Device } from './account/device';
import { enrolDevice } from './account/enrol';
import { EventHub } from './api/event-hub';
import { ProblemLog } from './api/problem-log';
import { createKeysCore } from './keys/keys-core';
import { accessRecorder } from './net/audit-access';
import type { RecordAccess } from './net/audit-access';
import type { ProcessingReader } from './processing/processing-service';
import type { KeysCore } from './keys/keys-core';
import { checkPassphrase } from '@yhteispoyta/local-api/passphrase-policy';
import { createProfile, listProfiles, openProfile } from './profile/profile-db';
import { startSync } from './start-sync';
import { PeerLogHeads } from './transparency/peer-heads';
import { CaseExports } from './case-export/case-exports';
import { CaseFileError } from './case-files/case-file-error';
import { StreamStateStore } from './sync/stream-state';
import type { CreateProfileError, OpenProfileError, ProfileDb } from './profile/profile-db';
import type { Role } from '@yhteispoyta/crypto/types';
import { statusRevision } from './api/status-revision';

/** The running parts of an unlocked, enrolled device. */
export interface SessionParts {
  /** the central server this device is enrolled at */
  readonly serverUrl: string;
  readonly device: LocalDevice;
  readonly link: ServerLink;
  readonly keys: KeyRing;
  readonly membership: MembershipService;
  /** this device's certification and the person's devices */
  readonly devices: DeviceService;
  readonly documents: DocumentSync;
  readonly chat: ChatService;
  /** the case records of workspaces (docs/design.md §11) */
  readonly records: RecordsService;
  /** exports of records, the plan and meeting minutes to the case record (docs/design.md §11.5) */
  readonly exports: CaseExports;
  /** "Tietojeni käsittely": consent history, bases of access, the checked processing log (issue 13) */
  readonly processing: ProcessingReader;
  /** tell the server's audit log that the user opened or exported something (issue 13; never rejects) */
  readonly recordAccess: RecordAccess;
  /** Stop everything the parts run (documents, background maintenance, the link). The profile stays open. */
  close(): Promise<void>;
}

/** What a session's parts are given. */
export interface SessionContext {
  readonly config: AgentConfig;
  readonly problems: ProblemSink;
  readonly logger: Logger;
}

/** How the host turns an open profile into a running device; {@link createSessionFactory} is the real one. */
export interface SessionFactory {
  /** Whether the profile holds an enrolled device. */
  isEnrolled(profile: ProfileDb): boolean;
  /** Enrol this profile's (new) device at the server with a one-time code; throws on refusal. */
  enrol(profile: ProfileDb, input: { readonly serverUrl: string; readonly code: string }, ctx: SessionContext): Promise<void>;
  /** Start the enrolled device: log in, connect, sync. Works offline (the link reconnects by itself). */
  start(profile: ProfileDb, ctx: SessionContext): Promise<SessionParts>;
}

/** `locked`: no profile open; `unlocked`: profile open, device not enrolled yet; `ready`: session running. */
export type HostState = 'locked' | 'unlocked' | 'ready';

/** What the UI shows about the agent. Never contains secrets. */
export interface HostStatus {
  readonly state: HostState;
  readonly profile?: string;
  readonly serverUrl: string;
  readonly device?: {
    readonly userId: string;
    readonly deviceId: number;
    readonly orgId: string;
    readonly role: Role;
    /** '' until certificates (or, for a client, the inviter's key messages) give the name */
    readonly displayName: string;
    /** certified by its organisation, inviter or own person; waiting; or revoked */
    readonly certification: Certification;
  };
  readonly link?: LinkStatus;
  readonly sync?: SyncStatus;
  /** when this snapshot was taken (api/status-revision.ts): the UI keeps the newest */
  readonly revision: number;
}

/** Why a host operation was refused. */
export type HostErrorCode =
  | OpenProfileError
  | CreateProfileError
  | 'weak_passphrase'
  | 'already_unlocked'
  | 'locked'
  | 'already_enrolled'
  | 'enrolment_failed'
  | 'session_failed'
  | 'reenrol_required';

/** Outcome of a host operation: the new status, or a typed refusal with a plain-language message. */
export type HostResult =
  | { readonly ok: true; readonly status: HostStatus }
  | { readonly ok: false; readonly error: HostErrorCode; readonly message: string };

const MESSAGES: Record<HostErrorCode, string> = {
  no_such_profile: 'There is no profile with that name.',
  wrong_passphrase: 'The passphrase is not correct. Nothing was changed.',
  corrupt: 'The profile files are damaged or incomplete.',
  in_use: 'The profile is open in another agent.',
  newer_schema: 'The profile was last used by a newer version of the agent.',
  invalid_name: "A profile name is 1-40 characters: letters, digits, single spaces between words and - ' . _.",
  empty_passphrase: 'The passphrase must not be empty.',
  weak_passphrase: 'The passphrase is too short or too easy to guess: use at least 10 characters, for example several unrelated words. Nothing was created.',
  exists: 'A profile with that name already exists.',
  already_unlocked: 'A profile is already unlocked; lock it first.',
  locked: 'Unlock a profile first.',
  already_enrolled: 'This profile already has an enrolled device.',
  enrolment_failed: 'Enrolment did not succeed:',
  session_failed: 'The device could not be started.',
  reenrol_required: 'This profile was enrolled before identities were certified. Create a new profile and enrol it with a new code.',
};

function refuse(error: HostErrorCode, detail?: string): HostResult {
  return { ok: false, error, message: detail === undefined ? MESSAGES[error] : `${MESSAGES[error]} ${detail}` };
}

/** Options of {@link AgentHost}. */
export interface AgentHostOptions {
  readonly config: AgentConfig;
  readonly factory: SessionFactory;
  readonly logger?: Logger;
  /** Create profiles with the weak test KDF. Tests only: a fast KDF makes guessing cheap. */
  readonly unsafeWeakKdfForTests?: true;
  /** Longest a lock or shutdown waits for queued edits to be acknowledged (default {@link FLUSH_TIMEOUT_MS}). */
  readonly flushTimeoutMs?: number;
}

/**
 * Default longest wait for queued edits at lock/shutdown. What is not acknowledged by
 * then stays queued in the profile and is sent at the next start: nothing is lost.
 */
const FLUSH_TIMEOUT_MS = 5_000;

/** A running device: the parts plus the subscriptions that push their news to the UI. */
export class AgentSession {
  readonly #unsubscribe: (() => void)[] = [];
  readonly #beforeClose: (() => Promise<void>)[] = [];
  readonly #log: Logger;
  readonly #flushTimeoutMs: number;

  constructor(
    readonly parts: SessionParts,
    events: EventHub,
    onStatusChange: () => void,
    logger: Logger,
    flushTimeoutMs = FLUSH_TIMEOUT_MS,
  ) {
    this.#log = logger;
    this.#flushTimeoutMs = flushTimeoutMs;
    this.#unsubscribe.push(
      parts.documents.onStatus((sync) => events.publish({ type: 'sync', sync, revision: statusRevision() })),
      parts.chat.onMessage((workspaceId, message) => events.publish({ type: 'chat', workspaceId, message })),
      parts.chat.onProgress((progress) => events.publish({ type: 'transfer', progress })),
      parts.records.onChange((workspaceId) => events.publish({ type: 'records', workspaceId })),
      parts.keys.onChange((workspaceId, what) => events.publish({ type: 'membership', workspaceId, what })),
      parts.devices.onChange(() => {
        events.publish({ type: 'devices' });
        onStatusChange();
      }),
      parts.link.onOnline(onStatusChange),
      parts.link.onOffline(onStatusChange),
    );
  }

  /** Run `hook` when the session starts closing, before the parts stop (e.g. disconnect the UI's document rooms). */
  beforeClose(hook: () => Promise<void>): void {
    this.#beforeClose.push(hook);
  }

  /** Run the close hooks, send what is queued (bounded wait), then stop the parts. */
  async close(): Promise<void> {
    for (const off of this.#unsubscribe.splice(0)) off();
    for (const hook of this.#beforeClose.splice(0)) {
      try {
        await hook();
      } catch (err) {
        this.#log.warn({ err: describeError(err) }, 'session close hook failed');
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#flushTimeoutMs);
    });
    try {
      const flushed = await Promise.race([this.parts.documents.flush().then(() => 'flushed' as const), timeout]);
      if (flushed === 'timeout') this.#log.warn('shutdown: pending edits stay queued in the profile for the next start');
    } catch (err) {
      this.#log.warn({ err: describeError(err) }, 'shutdown: flush failed; pending edits stay queued');
    } finally {
      clearTimeout(timer);
    }
    await this.parts.close();
  }
}

/** The agent: profiles before unlock, one running session after. */
export class AgentHost {
  readonly config: AgentConfig;
  /** every problem the session's parts report, kept for the UI */
  readonly problems: ProblemLog;
  /** what the UI is told as it happens */
  readonly events: EventHub;
  readonly #factory: SessionFactory;
  /** the root logger the parts take their own module children from */
  readonly #rootLog: Logger;
  readonly #log: Logger;
  readonly #weakKdf: boolean;
  readonly #flushTimeoutMs: number;
  #profile: ProfileDb | undefined;
  #session: AgentSession | undefined;
  /** createProfile, unlock, enrol, lock and close run one at a time */
  readonly #queue = new SerialQueue();
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(opts: AgentHostOptions) {
    this.config = opts.config;
    this.#factory = opts.factory;
    this.#rootLog = opts.logger ?? pino({ level: 'silent' });
    this.#log = this.#rootLog.child({ module: 'agent' });
    this.#weakKdf = opts.unsafeWeakKdfForTests === true;
    this.#flushTimeoutMs = opts.flushTimeoutMs ?? FLUSH_TIMEOUT_MS;
    this.events = new EventHub((err) => this.#log.error({ err: describeError(err) }, 'event listener failed'));
    this.problems = new ProblemLog({ onListenerError: (err) => this.#log.error({ err: describeError(err) }, 'problem listener failed') });
    this.problems.onProblem((problem) => {
      this.#log.warn({ problem: problem.code, workspaceId: problem.workspaceId, stream: problem.stream }, 'problem reported');
      this.events.publish({ type: 'problem', problem });
    });
    this.problems.onResolved((id) => this.events.publish({ type: 'problem_resolved', id }));
  }

  /** Profiles in the configured directory. */
  listProfiles(): string[] {
    return listProfiles(this.config.profilesDir);
  }

  /** The running session, once a profile is unlocked and its device enrolled. */
  session(): AgentSession | undefined {
    return this.#session;
  }

  /** The current state, for the UI. */
  status(): HostStatus {
    const base = { serverUrl: this.config.serverUrl, revision: statusRevision() };
    const profile = this.#profile;
    if (profile === undefined) return { ...base, state: 'locked' };
    const session = this.#session;
    if (session === undefined) return { ...base, state: 'unlocked', profile: profile.name };
    const { device, link, documents, serverUrl } = session.parts;
    return {
      ...base,
      serverUrl,
      state: 'ready',
      profile: profile.name,
      device: { ...device.self, orgId: device.orgId, role: device.role, displayName: device.displayName, certification: session.parts.devices.certification() },
      link: link.status(),
      sync: documents.status(),
    };
  }

  /** Create a new profile and unlock it (its device is not enrolled yet). */
  createProfile(name: string, passphrase: string): Promise<HostResult> {
    return this.#serialised(async () => {
      if (this.#profile !== undefined) return refuse('already_unlocked');
      // The UI's rule, enforced here as well: a program calling the API directly meets it too.
      const verdict = checkPassphrase(passphrase, [name]);
      if (!verdict.ok && verdict.reason !== 'empty') return refuse('weak_passphrase');
      const created = await createProfile(this.config.profilesDir, name, passphrase, this.#weakKdf ? { unsafeWeakKdfForTests: true } : {});
      if (!created.ok) return refuse(created.error);
      this.#log.info({ profile: name }, 'profile created');
      return this.#adopt(created.profile);
    });
  }

  /** Unlock a profile; a wrong passphrase touches nothing. Starts the session if the device is enrolled. */
  unlock(name: string, passphrase: string): Promise<HostResult> {
    return this.#serialised(async () => {
      if (this.#profile !== undefined) return refuse('already_unlocked');
      const opened = await openProfile(this.config.profilesDir, name, passphrase);
      if (!opened.ok) {
        this.#log.info({ profile: name, error: opened.error, detail: opened.detail }, 'unlock refused');
        return refuse(opened.error);
      }
      this.#log.info({ profile: name }, 'profile unlocked');
      return this.#adopt(opened.profile);
    });
  }

  /** Enrol the unlocked profile's device with a one-time code, then start its session. */
  enrol(code: string): Promise<HostResult> {
    return this.#serialised(async () => {
      const profile = this.#profile;
      if (profile === undefined) return refuse('locked');
      if (this.#session !== undefined || this.#factory.isEnrolled(profile)) return refuse('already_enrolled');
      try {
        await this.#factory.enrol(profile, { serverUrl: this.config.serverUrl, code }, this.#context());
      } catch (err) {
        this.#log.warn({ err: describeError(err) }, 'enrolment refused');
        return refuse('enrolment_failed', describeError(err));
      }
      this.#log.info({ profile: profile.name }, 'device enrolled');
      return this.#startSession(profile);
    });
  }

  /** Stop the session (flushing queued edits) and close the profile. */
  lock(): Promise<HostStatus> {
    return this.#serialised(async () => {
      await this.#lockNow();
      return this.status();
    });
  }

  /** Lock and refuse every further operation (process shutdown). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#serialised(async () => {
      this.#closed = true;
      await this.#lockNow();
    });
    return this.#closing;
  }

  async #adopt(profile: ProfileDb): Promise<HostResult> {
    this.#profile = profile;
    let enrolled: boolean;
    try {
      enrolled = this.#factory.isEnrolled(profile);
    } catch (err) {
      this.#log.error({ err: describeError(err) }, 'reading the enrolment state failed');
      await this.#lockNow();
      return err instanceof LegacyProfileError ? refuse('reenrol_required') : refuse('session_failed', describeError(err));
    }
    if (!enrolled) {
      this.#publishStatus();
      return { ok: true, status: this.status() };
    }
    return this.#startSession(profile);
  }

  async #startSession(profile: ProfileDb): Promise<HostResult> {
    try {
      const parts = await this.#factory.start(profile, this.#context());
      this.#session = new AgentSession(parts, this.events, () => this.#publishStatus(), this.#log, this.#flushTimeoutMs);
    } catch (err) {
      this.#log.error({ err: describeError(err) }, 'session start failed');
      await this.#lockNow();
      return refuse('session_failed', describeError(err));
    }
    this.#publishStatus();
    return { ok: true, status: this.status() };
  }

  async #lockNow(): Promise<void> {
    const session = this.#session;
    const profile = this.#profile;
    this.#session = undefined;
    this.#profile = undefined;
    if (session !== undefined) {
      try {
        await session.close();
      } catch (err) {
        this.#log.error({ err: describeError(err) }, 'session shutdown failed');
      }
    }
    if (profile !== undefined) {
      profile.close();
      this.problems.clear();
      this.#log.info({ profile: profile.name }, 'profile locked');
      this.#publishStatus();
    }
  }

  #context(): SessionContext {
    return { config: this.config, problems: this.problems, logger: this.#rootLog };
  }

  #publishStatus(): void {
    this.events.publish({ type: 'status', status: this.status() });
  }

  #serialised<T>(op: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.#closed) throw new Error('the agent is shutting down');
      return op();
    };
    return this.#queue.run(run);
  }
}

/**
 * The real session: the Device of the profile (account/), its socket.io ServerLink
 * (net/), the keys module — verified membership, epoch keys and their distribution,
 * the MembershipService (keys/) — and the sync engine with DocumentSync and ChatService
 * (sync/, chat/). Starting never waits for the server: the link connects and the keys
 * module catches up in the background, so an offline agent opens its local copy at once.
 */
export function createSessionFactory(): SessionFactory {
  return {
    isEnrolled: (profile) => loadAccount(profile) !== undefined,

    async enrol(profile, input, ctx) {
      const result = await enrolDevice(profile, {
        serverUrl: input.serverUrl,
        code: input.code,
        log: ctx.logger,
        signedPreKeyRotationMs: ctx.config.signedPreKeyRotationMs,
      });
      if (!result.ok) throw new Error(`${result.message} (${result.code})`);
      // start() opens the device again with its link; this instance has nothing running.
      result.device.close();
    },

    async start(profile, ctx) {
      const { config, problems, logger } = ctx;
      const log = logger.child({ module: 'agent/session' });
      const device = Device.open(profile, { log: logger, signedPreKeyRotationMs: config.signedPreKeyRotationMs });
      if (device === undefined) throw new Error('the profile has no enrolled device');
      const recordAccess = accessRecorder(device.rest, logger);
      if (device.serverUrl !== config.serverUrl) {
        log.warn({ enrolledAt: device.serverUrl, configured: config.serverUrl }, 'the device talks to the server it was enrolled at, not the configured one');
      }
      const link = device.connect(problems);
      let keys: KeysCore | undefined;
      try {
        // A rotation signs the clocks this device accepted (sync's) as its clock cut (docs/design.md §12).
        // Read only: the sync engine's own store is the one that writes (and keeps what it wrote).
        const clockReader = new StreamStateStore(device.profile);
        const streamClocks = (workspaceId: string) => clockReader.allClocks(workspaceId);
        keys = createKeysCore({ device, problems, link, log: logger, streamClocks });
        // The newest log head this device verified rides in its heartbeats; members' heads are judged (docs/design.md §3.5).
        const logHeads = new PeerLogHeads(keys.witness, logger.child({ module: 'transparency/peer-heads' }));
        const sync = startSync({
          link,
          keys: keys.keyRing,
          device,
          problems,
          profile,
          logHeads: { logHead: () => logHeads.current(), onPeerLogHead: (workspaceId, author, head) => logHeads.onPeerHead(workspaceId, author, head) },
          config: {
            mergeWindowMs: config.mergeWindowMs,
            compactionThreshold: config.compactionThreshold,
            heartbeatIntervalMs: config.heartbeatIntervalMs,
            staleHeadGraceMs: config.staleHeadGraceMs,
          },
          logger,
        });
        const core = keys;
        core.refresh().catch((err: unknown) => log.warn({ err: describeError(err) }, 'initial membership refresh failed'));
        return {
          serverUrl: device.serverUrl,
          device,
          link,
          keys: core.keyRing,
          membership: core.membership,
          devices: core.devices,
          documents: sync.documents,
          chat: sync.chat,
          records: sync.records,
          exports: new CaseExports({
            records: sync.records,
            documents: sync.documents,
            membership: core.membership,
            processing: core.processing,
            selfUserId: device.self.userId,
            now: () => Date.now(),
            // Each export is the audit log's "export" event, visible to the members (issue 13's
            // processing log); one the server did not take is not given.
            recordExport: async (event) => {
              if (!(await recordAccess(event.workspaceId, { action: 'exported', what: event.what, format: event.format }))) {
                throw new CaseFileError('export_unrecorded', 'The server did not record the export; the file is not given.');
              }
            },
          }),
          processing: core.processing,
          recordAccess,
          close: async () => {
            // Documents and chat first (their last acknowledgements need the link), the link last.
            await sync.close();
            core.close();
            device.close();
            await link.close();
          },
        };
      } catch (err) {
        keys?.close();
        device.close();
        await link.close();
        throw err;
      }
    },
  };
}

/** Log paths that must never be printed, whatever a caller passes. `code` may be an enrolment code; problem and error codes are logged under other names. */
const REDACT = ['token', '*.token', 'passphrase', '*.passphrase', 'code', '*.code', 'key', '*.key', 'authorization', '*.authorization'];

/** The agent's root logger: JSON lines on stderr (stdout is for the ready lines), secrets censored. */
export function createAgentLogger(level: AgentConfig['logLevel']): Logger {
  return pino(
    { level, base: { service: 'yhteispoyta-agent' }, redact: { paths: REDACT, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination(2),
  );
}

/** A short description of an error for logs and UI messages (its message, never a stack). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.slice(0, 300);
  return 'unknown error';
}
