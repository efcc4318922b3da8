/**
 * The central server as a real process (`server/src/main.ts`, as `npm run server` runs
 * it) on 127.0.0.1, with its sqlite store, its logs and its TMPDIR all inside one
 * directory, so a test can kill it, restart it on the same port and store, and scan
 * every byte it wrote. Organisations, enrolment codes and certificates are made by the
 * organisations' admin tooling (`@yhteispoyta/admin`, the library `npm run admin` runs):
 * one deployment root per server, an organisation key per organisation, the code secrets
 * kept here, only code ids and signed certificates sent to the server's admin API.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AdminClient, MemoryOrgStateStore, OrgAuthority, createOrganisation, createRoot } from '@yhteispoyta/admin/index';
import type { CertifyReport, IssuedCode, RootKey } from '@yhteispoyta/admin/index';
import type { IssueEnrolmentCodeRequest } from '@yhteispoyta/crypto/protocol';
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import { spawnProduct } from './child-process';
import type { ProcessExit, ProductProcess } from './child-process';
import { WaitAborted, waitFor } from './wait-for';

/** Options of {@link ServerProcess.start}. */
export interface ServerStartOptions {
  /** directory that receives the store, the logs and the server's TMPDIR */
  readonly dir: string;
  /** pino level of the server's own logs (default `info`) */
  readonly logLevel?: string;
  /** further environment (e.g. SNAPSHOT_RETENTION_SECONDS) */
  readonly env?: Readonly<Record<string, string>>;
}

const LISTENING = /listening on (http:\/\/127\.0\.0\.1:(\d+))/g;

/** A central server process that can be killed and restarted on the same port and store. */
export class ServerProcess {
  readonly dir: string;
  /** the sqlite store file */
  readonly storePath: string;
  /** the directory the server's TMPDIR points at */
  readonly tmpDir: string;
  readonly #adminToken = toHex(randomBytes(24));
  /** the deployment root (its private key stays in the test, as with the service owner) */
  readonly #root: RootKey = createRoot();
  /** each organisation's admin tooling, by orgId */
  readonly #authorities = new Map<string, OrgAuthority>();
  readonly #opts: ServerStartOptions;
  #process: ProductProcess | undefined;
  #port = 0;
  #starts = 0;

  private constructor(opts: ServerStartOptions) {
    this.#opts = opts;
    this.dir = opts.dir;
    this.storePath = join(opts.dir, 'server.db');
    this.tmpDir = join(opts.dir, 'tmp');
    mkdirSync(this.tmpDir, { recursive: true });
  }

  /** Start a server on a free port. */
  static async start(opts: ServerStartOptions): Promise<ServerProcess> {
    const server = new ServerProcess(opts);
    await server.#launch(0);
    return server;
  }

  /** The port the server listens on (kept across restarts). */
  get port(): number {
    return this.#port;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Whether the server process is running. */
  running(): boolean {
    return this.#process?.running() ?? false;
  }

  /** Everything the server wrote to stdout and stderr, over all its runs. */
  output(): { stdout: string; stderr: string } {
    return { stdout: this.#process?.stdout() ?? '', stderr: this.#process?.stderr() ?? '' };
  }

  /** The files holding the server's stdout and stderr. */
  logFiles(): string[] {
    return this.#process === undefined ? [] : [this.#process.stdoutPath, this.#process.stderrPath];
  }

  /** Kill with SIGKILL: no shutdown code runs, as in a crash. */
  kill(): Promise<ProcessExit | undefined> {
    return this.#process?.stop('SIGKILL') ?? Promise.resolve(undefined);
  }

  /** Graceful stop with SIGTERM. */
  stop(): Promise<ProcessExit | undefined> {
    return this.#process?.stop('SIGTERM') ?? Promise.resolve(undefined);
  }

  /** Start again on the same port with the same store (after {@link kill} or {@link stop}). */
  async restart(): Promise<void> {
    if (this.running()) throw new Error('the server is still running');
    await this.#launch(this.#port);
  }

  /** The admin API of this server, as the admin tooling reaches it. */
  adminClient(): AdminClient {
    return new AdminClient({ baseUrl: this.url, token: this.#adminToken });
  }

  /** The root fingerprint every code of this deployment carries. */
  get rootFingerprint(): string {
    return this.#root.fingerprint;
  }

  /** Create an organisation: its key, the root-signed certificate, registration through the admin API. */
  async createOrg(name: string): Promise<string> {
    const state = await createOrganisation({ root: this.#root, name, admin: this.adminClient() });
    const authority = await OrgAuthority.open({ store: new MemoryOrgStateStore(state), admin: this.adminClient() });
    this.#authorities.set(authority.orgId, authority);
    return authority.orgId;
  }

  /** The admin tooling of an organisation made by {@link createOrg}. */
  authority(orgId: string): OrgAuthority {
    const authority = this.#authorities.get(orgId);
    if (authority === undefined) throw new Error(`no organisation ${orgId} was created here`);
    return authority;
  }

  /** Issue a one-time enrolment code for a new professional (the secret stays with the organisation's tooling). */
  issueEnrolmentCode(request: Omit<IssueEnrolmentCodeRequest, 'codeId'>): Promise<IssuedCode> {
    return this.authority(request.orgId).issueCode({ role: request.role, displayName: request.displayName, ...(request.ttlSeconds === undefined ? {} : { ttlSeconds: request.ttlSeconds }) });
  }

  /** Certify every pending enrolment of every organisation whose proof checks out, as their admins would. */
  async certifyPending(): Promise<CertifyReport[]> {
    const reports: CertifyReport[] = [];
    for (const authority of this.#authorities.values()) reports.push(await authority.certifyPending());
    return reports;
  }

  async #launch(port: number): Promise<void> {
    this.#starts++;
    const base: Record<string, string> = {};
    for (const name of ['PATH', 'HOME', 'LANG', 'NODE_OPTIONS']) {
      const value = process.env[name];
      if (value !== undefined) base[name] = value;
    }
    const proc = spawnProduct({
      entry: 'server/src/main.ts',
      name: 'server',
      logDir: this.dir,
      env: {
        ...base,
        TMPDIR: this.tmpDir,
        HOST: '127.0.0.1',
        PORT: String(port),
        STORE: 'sqlite',
        SQLITE_PATH: this.storePath,
        ADMIN_TOKEN: this.#adminToken,
        LOG_LEVEL: this.#opts.logLevel ?? 'info',
        // Every agent connects from 127.0.0.1: the per-IP limit would count them all as one.
        RATE_PER_IP_PER_MINUTE: '1000000',
        RATE_PER_DEVICE_PER_MINUTE: '1000000',
        ...this.#opts.env,
      },
    });
    this.#process = proc;
    const starts = this.#starts;
    // The output files are appended across restarts: wait for this run's listening line.
    const found = await waitFor(
      () => {
        if (!proc.running()) throw new WaitAborted(`the server exited during start: ${proc.stderr().slice(-2000)}`);
        const lines = [...proc.stdout().matchAll(LISTENING)];
        return lines.length >= starts ? lines[starts - 1] : undefined;
      },
      { timeoutMs: 60_000, what: 'the server to listen' },
    ).catch(async (error: unknown) => {
      await proc.stop('SIGKILL');
      throw error;
    });
    this.#port = Number(found[2]);
  }
}
