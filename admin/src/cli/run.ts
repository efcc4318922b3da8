/**
 * Running one command of `npm run admin`: secrets from files or the environment, key files
 * through key-file.ts, the server through the admin REST client (and the public log
 * client). Resolves with the exit status (0 done, 1 refused or failed — for `monitor`, a
 * finding —, 2 usage, 3 a transparency log that does not verify) and never throws: every
 * failure becomes one readable line on stderr (and a JSON error on stdout with `--json`),
 * never a stack.
 */
import { AdminClient, parseServerUrl } from '../admin-client';
import { OrgAuthority } from '../authority';
import type { CertifyReport } from '../authority';
import { errorMessage } from '../errors';
import type { KdfParams } from '../key-file';
import { newOrganisation, registerOrganisation } from '../organisation';
import { KeyFileOrgStateStore } from '../org-state';
import { createRoot, loadRootKey, saveRootKey } from '../root-key';
import { watchEnrolments } from '../watch';
import { LogClient } from '../log-client';
import { certifyLog, logCertification } from '../log-certification';
import type { LogCertification } from '../log-certification';
import { monitorLog } from '../monitor/monitor';
import { defaultStatePath } from '../monitor/remembered-head';
import type { RootKey } from '../root-key';
import { parseCommand, USAGE, UsageError } from './args';
import type { CliCommand } from './args';
import { auditText, certifyText, errorJson, errorText, issuedCodeText, logCertificationText, monitorText, orgsText, revokeText } from './output';
import { adminToken, orgPassphrase, passphrase } from './secrets';

/** Exit statuses. */
const EXIT = { ok: 0, failed: 1, usage: 2, unverified: 3 } as const;

/** Where the CLI writes, and what stops `certify --watch`. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** aborted on SIGINT/SIGTERM by the entry point; tests abort it themselves */
  readonly signal?: AbortSignal;
}

/** In-process seams for tests and embedding; the command line cannot set them. */
export interface CliDeps {
  /** the fetch the admin client uses */
  readonly fetch?: typeof fetch;
  /** scrypt cost of new key files (tests make it cheap) */
  readonly kdf?: KdfParams;
  readonly now?: () => number;
}

type Env = Record<string, string | undefined>;

interface Context {
  readonly cmd: CliCommand;
  readonly env: Env;
  readonly io: CliIo;
  readonly deps: CliDeps;
}

/** Print a result: `json` with --json, else `text`. */
function print(ctx: Context, json: unknown, text: string): void {
  if (ctx.cmd.json) ctx.io.out(`${JSON.stringify(json, null, 2)}\n`);
  else if (text !== '') ctx.io.out(`${text}\n`);
}

async function client(ctx: Context): Promise<AdminClient> {
  const token = await adminToken(ctx.cmd.tokenFile, ctx.env);
  return new AdminClient({ baseUrl: ctx.cmd.server, token, ...(ctx.deps.fetch === undefined ? {} : { fetch: ctx.deps.fetch }) });
}

async function authority(ctx: Context, orgKey: string, userValidDays?: number): Promise<OrgAuthority> {
  // Secrets and the token are gathered before the slow key derivation, so a missing one fails fast.
  const pass = await passphrase(ctx.cmd.passphraseFile, ctx.env);
  const admin = await client(ctx);
  const store = await KeyFileOrgStateStore.open(orgKey, pass);
  return OrgAuthority.open({
    store, admin,
    ...(ctx.deps.now === undefined ? {} : { now: ctx.deps.now }),
    ...(userValidDays === undefined ? {} : { userValidDays }),
  });
}

const keyOpts = (ctx: Context) => (ctx.deps.kdf === undefined ? {} : { kdf: ctx.deps.kdf });
const now = (ctx: Context): number => ctx.deps.now?.() ?? Date.now();

/** The server's log key certified by `root`: as it is when it already is, else certified now. */
async function ensureLogCertified(ctx: Context, admin: AdminClient, root: RootKey, validDays?: number): Promise<{ log: Required<LogCertification>; now: boolean }> {
  const current = await logCertification(admin, root.publicKey, now(ctx));
  if (current.notAfter !== undefined) return { log: { ...current, notAfter: current.notAfter }, now: false };
  return { log: await certifyLog({ admin, root, now: now(ctx), ...(validDays === undefined ? {} : { validDays }) }), now: true };
}
const failedAny = (report: CertifyReport): boolean => report.refused.length > 0 || report.failed.length > 0;

async function execute(ctx: Context): Promise<number> {
  const { cmd } = ctx;
  switch (cmd.command) {
    case 'help':
      ctx.io.out(`${USAGE}\n`);
      return EXIT.ok;

    case 'init-root': {
      const pass = await passphrase(cmd.passphraseFile, ctx.env);
      const root = createRoot();
      await saveRootKey(cmd.out, root, pass, keyOpts(ctx));
      print(ctx, { ok: true, file: cmd.out, publicKey: root.publicKey, fingerprint: root.fingerprint }, [
        `Deployment root written to ${cmd.out} (passphrase-protected, mode 0600).`,
        `Root fingerprint: ${root.fingerprint} (every enrolment code carries it; agents pin it).`,
        'Keep the file offline: it signs organisation certificates and nothing else.',
      ].join('\n'));
      return EXIT.ok;
    }

    case 'create-org': {
      const pass = await passphrase(cmd.passphraseFile, ctx.env);
      const orgPass = await orgPassphrase(cmd.orgPassphraseFile, ctx.env, pass);
      const admin = await client(ctx);
      const root = await loadRootKey(cmd.root, pass);
      const state = newOrganisation({
        root, name: cmd.name,
        ...(cmd.validDays === undefined ? {} : { validDays: cmd.validDays }),
        ...(ctx.deps.now === undefined ? {} : { now: ctx.deps.now() }),
      });
      // The key is saved before the server hears of it: a registered organisation whose
      // key was lost could never certify anyone.
      await KeyFileOrgStateStore.create(cmd.out, state, orgPass, keyOpts(ctx));
      try {
        await registerOrganisation(admin, state);
      } catch (error) {
        ctx.io.err(`The organisation key was written to ${cmd.out}, but registering it failed. Fix the cause, then run:\n  npm run admin -- register-org --org-key ${cmd.out}\n`);
        throw error;
      }
      // The root is unlocked now: the server's transparency log gets its certificate if it has none from this root.
      let log: Awaited<ReturnType<typeof ensureLogCertified>>;
      try {
        log = await ensureLogCertified(ctx, admin, root);
      } catch (error) {
        ctx.io.err(`The organisation is registered, but certifying the server's transparency log failed. Fix the cause, then run:\n  npm run admin -- certify-log --root ${cmd.root}\n`);
        throw error;
      }
      const notAfter = state.certificate.body.t === 'org' ? state.certificate.body.notAfter : 0;
      print(ctx, {
        ok: true, orgId: state.orgId, name: state.name, file: cmd.out, notAfter, rootFingerprint: state.rootFingerprint,
        log: { fingerprint: log.log.fingerprint, certifiedUntil: log.log.notAfter, certifiedNow: log.now },
      }, [
        `Organisation "${state.name}" registered as ${state.orgId} (certificate valid until ${new Date(notAfter).toISOString()}).`,
        `Organisation key written to ${cmd.out}: give it to the organisation's admin; it issues codes and certifies its people.`,
        logCertificationText(log.log, admin.baseUrl, log.now),
      ].join('\n'));
      return EXIT.ok;
    }

    case 'certify-log': {
      const pass = await passphrase(cmd.passphraseFile, ctx.env);
      const admin = await client(ctx);
      const root = await loadRootKey(cmd.root, pass);
      // Explicitly asked: a fresh certificate (a renewal, or the key of a rotated key file).
      const log = await certifyLog({ admin, root, now: now(ctx), ...(cmd.validDays === undefined ? {} : { validDays: cmd.validDays }) });
      print(ctx, { ok: true, fingerprint: log.fingerprint, logKey: log.logKey, certifiedUntil: log.notAfter }, logCertificationText(log, admin.baseUrl, true));
      return EXIT.ok;
    }

    case 'monitor': {
      const pass = await passphrase(cmd.passphraseFile, ctx.env);
      const orgState = await (await KeyFileOrgStateStore.open(cmd.orgKey, pass)).load();
      const server = parseServerUrl(cmd.server);
      const logClient = new LogClient({ baseUrl: server, ...(ctx.deps.fetch === undefined ? {} : { fetch: ctx.deps.fetch }) });
      const statePath = cmd.state ?? defaultStatePath(cmd.orgKey);
      const result = await monitorLog({ state: orgState, client: logClient, server, statePath, now: now(ctx) });
      const json = result.ok
        ? { ok: result.findings === 0, log: { verified: true, treeSize: result.head.treeSize, rootHash: result.head.rootHash, timestamp: result.head.timestamp, logKeyFingerprint: result.logKeyFingerprint, certifiedUntil: result.certifiedUntil, previous: result.previous }, certificates: result.certificates, findings: result.findings }
        : { ok: false, log: { verified: false, code: result.code, detail: result.detail, previous: result.previous } };
      print(ctx, json, monitorText(result, server, orgState, statePath));
      if (!result.ok) return EXIT.unverified;
      return result.findings === 0 ? EXIT.ok : EXIT.failed;
    }

    case 'register-org': {
      const org = await authority(ctx, cmd.orgKey);
      await org.register();
      print(ctx, { ok: true, orgId: org.orgId, name: org.name }, `Organisation "${org.name}" (${org.orgId}) and its root are registered with ${cmd.server}.`);
      return EXIT.ok;
    }

    case 'issue-code': {
      const org = await authority(ctx, cmd.orgKey);
      const issued = await org.issueCode({ role: cmd.role, displayName: cmd.name, ...(cmd.ttlSeconds === undefined ? {} : { ttlSeconds: cmd.ttlSeconds }) });
      print(ctx, { ok: true, ...issued, orgId: org.orgId }, issuedCodeText(issued, cmd.orgKey));
      return EXIT.ok;
    }

    case 'certify': {
      const org = await authority(ctx, cmd.orgKey, cmd.validDays);
      if (!cmd.watch) {
        const report = await org.certifyPending();
        print(ctx, { ok: !failedAny(report), ...report }, certifyText(report));
        return failedAny(report) ? EXIT.failed : EXIT.ok;
      }
      return watch(ctx, org, cmd.intervalMs);
    }

    case 'revoke-user': {
      const org = await authority(ctx, cmd.orgKey);
      const report = await org.revokeUser(cmd.userId);
      print(ctx, { ok: true, ...report }, revokeText(report));
      return EXIT.ok;
    }

    case 'list-orgs': {
      const list = await (await client(ctx)).listOrgs();
      print(ctx, { ok: true, ...list }, orgsText(list));
      return EXIT.ok;
    }

    case 'verify-audit': {
      const verified = await (await client(ctx)).verifyAudit();
      print(ctx, { ok: verified.intact, ...verified }, auditText(verified));
      return verified.intact ? EXIT.ok : EXIT.failed;
    }
  }
}

/** `certify --watch`: until the signal, one line per event (one JSON object per line with --json). */
async function watch(ctx: Context, org: OrgAuthority, intervalMs: number | undefined): Promise<number> {
  const signal = ctx.io.signal ?? new AbortController().signal;
  let troubled = false;
  if (!ctx.cmd.json) ctx.io.err(`Watching ${ctx.cmd.server} for enrolments of ${org.name} (${org.orgId}); Ctrl-C stops.\n`);
  await watchEnrolments(org, {
    signal,
    ...(intervalMs === undefined ? {} : { intervalMs }),
    onReport: (report) => {
      if (failedAny(report)) troubled = true;
      if (report.certified.length + report.refused.length + report.failed.length === 0) return;
      if (ctx.cmd.json) ctx.io.out(`${JSON.stringify({ ok: !failedAny(report), ...report })}\n`);
      else ctx.io.out(`${certifyText(report, true)}\n`);
    },
    onError: (error) => {
      if (ctx.cmd.json) ctx.io.out(`${JSON.stringify(errorJson(error))}\n`);
      ctx.io.err(`admin: ${errorText(error)} (retrying)\n`);
    },
  });
  return troubled ? EXIT.failed : EXIT.ok;
}

/** Run `npm run admin -- <argv>`; resolves with the exit status. */
export async function runAdminCli(argv: readonly string[], env: Env, io: CliIo, deps: CliDeps = {}): Promise<number> {
  let cmd: CliCommand;
  try {
    cmd = parseCommand(argv);
  } catch (error) {
    io.err(`admin: ${errorMessage(error)}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  try {
    return await execute({ cmd, env, io, deps });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`admin: ${error.message}\n`);
      if (cmd.json) io.out(`${JSON.stringify({ ok: false, error: { code: 'usage', message: error.message } })}\n`);
      return EXIT.usage;
    }
    io.err(`admin: ${errorText(error)}\n`);
    if (cmd.json) io.out(`${JSON.stringify(errorJson(error))}\n`);
    return EXIT.failed;
  }
}
