/**
 * What the report says about where it ran: the machine, the load other processes put
 * on it, the Node version and the versions of the packages that matter.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './processes';

/** The machine and software of a run. */
export interface Environment {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly packages: Readonly<Record<string, string>>;
}

/** Packages whose versions the report lists. */
const PACKAGES = [
  'yjs',
  'y-protocols',
  '@y/websocket-server',
  'y-websocket',
  'ws',
  'socket.io',
  'socket.io-client',
  '@socket.io/redis-adapter',
  '@signalapp/libsignal-client',
  '@signalapp/sqlcipher',
  'mongoose',
  'tsx',
];

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  } catch {
    return cpus()[0]?.model ?? 'unknown';
  }
}

function versionOf(name: string): string {
  try {
    const json = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof json.version === 'string' ? json.version : 'unknown';
  } catch {
    return 'not installed';
  }
}

/** Read the environment now. */
export function readEnvironment(): Environment {
  return {
    cpuModel: cpuModel(),
    cores: cpus().length,
    memoryGiB: totalmem() / 2 ** 30,
    kernel: release(),
    node: process.version,
    packages: Object.fromEntries(PACKAGES.map((name) => [name, versionOf(name)])),
  };
}

/** The 1-minute load average (runnable processes), to show what else was using the machine. */
export function loadAverage(): number {
  return loadavg()[0] ?? Number.NaN;
}
