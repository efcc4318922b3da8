/**
 * The agent's configuration: command-line flags first, environment variables second,
 * defaults last, validated with zod at start-up so a bad value stops the agent with a
 * readable message instead of surfacing as a strange failure later.
 *
 * The passphrase is deliberately not part of the configuration: it is a secret, read by
 * main.ts from `YHTEISPOYTA_PASSPHRASE` and handed straight to the profile, so a logged
 * or printed config can never contain it.
 */
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { MAX_BLOB_BYTES } from '@yhteispoyta/crypto/protocol';
import { isValidProfileName } from './profile/profile-db';
import { DEFAULT_SYNC_CONFIG } from './sync/sync-options';

/** The validated configuration of one agent process. */
export interface AgentConfig {
  /** base URL of the central server, e.g. `https://yhteispoyta.example` (no trailing slash) */
  readonly serverUrl: string;
  /** absolute directory holding the profiles */
  readonly profilesDir: string;
  /** the profile to unlock at start (non-interactively when a passphrase is given) */
  readonly profile?: string;
  /** create the profile named by `profile` when it does not exist yet (automation) */
  readonly createProfile: boolean;
  /** UI port on 127.0.0.1; 0: the port of the last start in profilesDir (main.ts, api/lasting-address.ts), else a free one */
  readonly port: number;
  /** how long local Yjs edits are merged before one envelope is sealed */
  readonly mergeWindowMs: number;
  /** updates on the active snapshot after which a member seals a new snapshot */
  readonly compactionThreshold: number;
  /** how often the signed prekey is replaced */
  readonly signedPreKeyRotationMs: number;
  /** how often the device sends its signed heartbeat to each open workspace (docs/design.md §12) */
  readonly heartbeatIntervalMs: number;
  /** how long after a rotation an envelope from a stale chain head still counts as in flight (docs/design.md §12) */
  readonly staleHeadGraceMs: number;
  /** largest attachment the UI may upload, in plaintext bytes */
  readonly maxAttachmentBytes: number;
  readonly logLevel: LogLevel;
}

/** The log levels `--log-level` accepts (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** A pino level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Default profiles directory: `~/.yhteispoyta/profiles`. */
function defaultProfilesDir(): string {
  return resolve(homedir(), '.yhteispoyta', 'profiles');
}

const DAY_MS = 24 * 3600 * 1000;
// Encryption adds a tag per chunk; staying under the server's blob limit keeps every
// accepted upload storable.
const MAX_ATTACHMENT_LIMIT = MAX_BLOB_BYTES - 4 * 1024 * 1024;

const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const serverUrlSchema = z
  .string()
  .min(1, 'is required (--server URL or YHTEISPOYTA_SERVER)')
  .refine((text) => {
    try {
      const url = new URL(text);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL without credentials, e.g. http://127.0.0.1:8787')
  .transform((text) => new URL(text).toString().replace(/\/+$/, ''));

const configSchema = z.strictObject({
  serverUrl: serverUrlSchema,
  profilesDir: z.string().min(1).transform((dir) => resolve(dir)),
  profile: z.string().refine(isValidProfileName, "must be a name of 1-40 characters: letters, digits, single spaces between words and - ' . _").optional(),
  createProfile: z.boolean(),
  port: intFrom(0, 65535),
  mergeWindowMs: intFrom(0, 10_000),
  compactionThreshold: intFrom(1, 1_000_000),
  signedPreKeyRotationMs: intFrom(60_000, 365 * DAY_MS),
  heartbeatIntervalMs: intFrom(100, DAY_MS),
  staleHeadGraceMs: intFrom(0, DAY_MS),
  maxAttachmentBytes: intFrom(1, MAX_ATTACHMENT_LIMIT),
  logLevel: z.enum(LOG_LEVELS),
});

/** Usage text printed with `--help` and after a configuration error. */
export const USAGE = `Usage: npm run agent -- --server URL [--profile NAME] [options]

  --server URL                   central server (env YHTEISPOYTA_SERVER)
  --profile NAME                 profile to unlock at start (env YHTEISPOYTA_PROFILE);
                                 with YHTEISPOYTA_PASSPHRASE set it is unlocked at once,
                                 otherwise the UI asks for the passphrase
  --create                       create --profile if it does not exist (needs the passphrase)
  --dir DIR                      profiles directory (env YHTEISPOYTA_PROFILES_DIR,
                                 default ~/.yhteispoyta/profiles)
  --port N                       UI port on 127.0.0.1 (env YHTEISPOYTA_PORT); without it (or 0) the port
                                 and token of the last start in this --dir, else any free port
  --merge-window-ms N            edit merge window (env YHTEISPOYTA_MERGE_WINDOW_MS, default ${DEFAULT_SYNC_CONFIG.mergeWindowMs})
  --compaction-threshold N       updates before a snapshot (env YHTEISPOYTA_COMPACTION_THRESHOLD, default ${DEFAULT_SYNC_CONFIG.compactionThreshold})
  --signed-prekey-rotation-ms N  signed prekey rotation (env YHTEISPOYTA_SIGNED_PREKEY_ROTATION_MS, default 7 days)
  --heartbeat-interval-ms N      signed heartbeat to open workspaces (env YHTEISPOYTA_HEARTBEAT_INTERVAL_MS, default ${DEFAULT_SYNC_CONFIG.heartbeatIntervalMs})
  --stale-head-grace-ms N        in-flight allowance after a rotation (env YHTEISPOYTA_STALE_HEAD_GRACE_MS, default ${DEFAULT_SYNC_CONFIG.staleHeadGraceMs})
  --max-attachment-bytes N       largest attachment (env YHTEISPOYTA_MAX_ATTACHMENT_BYTES, default 32 MiB)
  --log-level LEVEL              ${LOG_LEVELS.join('|')} (env LOG_LEVEL, default info)
  --help                         this text`;

/** Outcome of {@link parseAgentConfig}: the config, a request for help, or every problem found. */
export type ParseConfigResult =
  | { readonly ok: true; readonly config: AgentConfig }
  | { readonly ok: false; readonly help: true }
  | { readonly ok: false; readonly help: false; readonly errors: readonly string[] };

const FLAG_NAMES = {
  serverUrl: '--server',
  profilesDir: '--dir',
  profile: '--profile',
  createProfile: '--create',
  port: '--port',
  mergeWindowMs: '--merge-window-ms',
  compactionThreshold: '--compaction-threshold',
  signedPreKeyRotationMs: '--signed-prekey-rotation-ms',
  heartbeatIntervalMs: '--heartbeat-interval-ms',
  staleHeadGraceMs: '--stale-head-grace-ms',
  maxAttachmentBytes: '--max-attachment-bytes',
  logLevel: '--log-level',
} as const satisfies Record<keyof AgentConfig, string>;

/**
 * Parse the agent's arguments (without `node` and the script) and environment. Never
 * throws: unknown flags, missing values and invalid values are all listed in `errors`.
 */
export function parseAgentConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParseConfigResult {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        server: { type: 'string' },
        dir: { type: 'string' },
        profile: { type: 'string' },
        create: { type: 'boolean' },
        port: { type: 'string' },
        'merge-window-ms': { type: 'string' },
        'compaction-threshold': { type: 'string' },
        'signed-prekey-rotation-ms': { type: 'string' },
        'heartbeat-interval-ms': { type: 'string' },
        'stale-head-grace-ms': { type: 'string' },
        'max-attachment-bytes': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    return { ok: false, help: false, errors: [err instanceof Error ? err.message : 'invalid arguments'] };
  }
  if (values.help === true) return { ok: false, help: true };

  // An empty value (flag or environment) means "not set", so the default applies.
  const pick = (...candidates: (string | undefined)[]): string | undefined => candidates.find((v) => v !== undefined && v !== '');
  const parsed = configSchema.safeParse({
    serverUrl: pick(values.server, env.YHTEISPOYTA_SERVER) ?? '',
    profilesDir: pick(values.dir, env.YHTEISPOYTA_PROFILES_DIR) ?? defaultProfilesDir(),
    profile: pick(values.profile, env.YHTEISPOYTA_PROFILE),
    createProfile: values.create === true,
    port: pick(values.port, env.YHTEISPOYTA_PORT) ?? 0,
    // The sync engine's defaults, tuned by `npm run bench` (see DEFAULT_SYNC_CONFIG).
    mergeWindowMs: pick(values['merge-window-ms'], env.YHTEISPOYTA_MERGE_WINDOW_MS) ?? DEFAULT_SYNC_CONFIG.mergeWindowMs,
    compactionThreshold: pick(values['compaction-threshold'], env.YHTEISPOYTA_COMPACTION_THRESHOLD) ?? DEFAULT_SYNC_CONFIG.compactionThreshold,
    signedPreKeyRotationMs: pick(values['signed-prekey-rotation-ms'], env.YHTEISPOYTA_SIGNED_PREKEY_ROTATION_MS) ?? 7 * DAY_MS,
    heartbeatIntervalMs: pick(values['heartbeat-interval-ms'], env.YHTEISPOYTA_HEARTBEAT_INTERVAL_MS) ?? DEFAULT_SYNC_CONFIG.heartbeatIntervalMs,
    staleHeadGraceMs: pick(values['stale-head-grace-ms'], env.YHTEISPOYTA_STALE_HEAD_GRACE_MS) ?? DEFAULT_SYNC_CONFIG.staleHeadGraceMs,
    maxAttachmentBytes: pick(values['max-attachment-bytes'], env.YHTEISPOYTA_MAX_ATTACHMENT_BYTES) ?? 32 * 1024 * 1024,
    logLevel: pick(values['log-level'], env.LOG_LEVEL) ?? 'info',
  });
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => {
      const key = issue.path[0];
      const flag = typeof key === 'string' && key in FLAG_NAMES ? FLAG_NAMES[key as keyof AgentConfig] : String(key ?? 'config');
      return `${flag}: ${issue.message}`;
    });
    return { ok: false, help: false, errors };
  }
  if (parsed.data.createProfile && parsed.data.profile === undefined) {
    return { ok: false, help: false, errors: ['--create: needs --profile NAME'] };
  }
  return { ok: true, config: parsed.data };
}
