/**
 * A client agent as a real process (`client/agent/src/main.ts`, as `npm run agent` runs
 * it) with its own profiles directory, talking to the server through its own
 * {@link CuttableProxy}. It is driven only through its local API: the profile is created
 * or unlocked and the device enrolled with `POST /api/...`, as the UI does it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AgentApi } from './agent-api';
import { spawnProduct } from './child-process';
import type { ProcessExit, ProductProcess } from './child-process';
import type { CuttableProxy } from './tcp-proxy';
import { WaitAborted, waitFor } from './wait-for';

const readyLineSchema = z.object({ event: z.literal('ready'), url: z.string(), port: z.number(), token: z.string(), pid: z.number() });

/** Options of {@link AgentProcess.start}. */
export interface AgentStartOptions {
  /** short name: profile name and file names */
  readonly name: string;
  /** directory of this agent: profiles and logs */
  readonly dir: string;
  /** the agent reaches the server only through this proxy */
  readonly proxy: CuttableProxy;
  /** further command-line flags, e.g. `['--merge-window-ms', '0']` */
  readonly args?: readonly string[];
}

/** An agent process that can be stopped, killed and started again on the same profile. */
export class AgentProcess {
  readonly name: string;
  readonly dir: string;
  /** the profiles directory (`--dir`) */
  readonly profilesDir: string;
  readonly proxy: CuttableProxy;
  readonly #args: readonly string[];
  #process: ProductProcess | undefined;
  #api: AgentApi | undefined;
  #starts = 0;

  private constructor(opts: AgentStartOptions) {
    this.name = opts.name;
    this.dir = opts.dir;
    this.profilesDir = join(opts.dir, 'profiles');
    this.proxy = opts.proxy;
    this.#args = opts.args ?? [];
    mkdirSync(this.profilesDir, { recursive: true });
  }

  /** Start the agent process (locked: no profile open yet). */
  static async start(opts: AgentStartOptions): Promise<AgentProcess> {
    const agent = new AgentProcess(opts);
    await agent.#launch();
    return agent;
  }

  /** The API of the running process. */
  get api(): AgentApi {
    if (this.#api === undefined) throw new Error(`agent ${this.name} is not running`);
    return this.#api;
  }

  /** Whether the process runs. */
  running(): boolean {
    return this.#process?.running() ?? false;
  }

  /** The agent's stderr (its pino log) over all its runs. */
  log(): string {
    return this.#process?.stderr() ?? '';
  }

  /** Graceful stop (SIGTERM: queued edits are flushed for a bounded time, the profile closed). */
  async stop(): Promise<ProcessExit | undefined> {
    this.#api = undefined;
    return this.#process?.stop('SIGTERM');
  }

  /** SIGKILL: nothing is flushed, as in a crash. */
  async kill(): Promise<ProcessExit | undefined> {
    this.#api = undefined;
    return this.#process?.stop('SIGKILL');
  }

  /** Start the process again on the same profiles directory (the profile stays locked until unlocked). */
  async restart(): Promise<void> {
    if (this.running()) throw new Error(`agent ${this.name} is still running`);
    await this.#launch();
  }

  async #launch(): Promise<void> {
    this.#starts++;
    const base: Record<string, string> = {};
    for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR', 'NODE_OPTIONS']) {
      const value = process.env[name];
      if (value !== undefined) base[name] = value;
    }
    const proc = spawnProduct({
      entry: 'client/agent/src/main.ts',
      name: 'agent',
      logDir: this.dir,
      args: ['--server', this.proxy.url, '--dir', this.profilesDir, '--port', '0', '--log-level', 'info', ...this.#args],
      env: base,
    });
    this.#process = proc;
    const starts = this.#starts;
    const line = await waitFor(
      () => {
        if (!proc.running()) throw new WaitAborted(`agent ${this.name} exited during start: ${proc.stderr().slice(-2000)}`);
        const lines = proc.stdout().split('\n').filter((l) => l.startsWith('{"event":"ready"'));
        return lines.length >= starts ? lines[starts - 1] : undefined;
      },
      { timeoutMs: 60_000, what: `agent ${this.name} to be ready` },
    ).catch(async (error: unknown) => {
      await proc.stop('SIGKILL');
      throw error;
    });
    const ready = readyLineSchema.parse(JSON.parse(line));
    if (ready.pid !== proc.pid) throw new Error(`agent ${this.name}: ready line of pid ${ready.pid}, spawned ${proc.pid}`);
    this.#api = new AgentApi(ready.url, ready.token);
  }
}
