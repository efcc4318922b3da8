/**
 * CPU time of a process from /proc (Linux): how busy the measured server was during a
 * window, so a throughput figure can be told apart from a client-bound one.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run on). */
const TICKS_PER_SECOND = 100;

/** utime + stime of `pid` in ms; NaN when /proc cannot be read. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU a process used over a window. */
export interface CpuUse {
  /** busy fraction of one core (1 = one core fully busy) */
  readonly share: number;
  /** CPU time (user + system), ms */
  readonly cpuMs: number;
}

/** Measures the CPU a process used between start() and stop(). */
export function cpuMeter(pid: number): { stop(): CpuUse } {
  const cpu0 = processCpuMs(pid);
  const t0 = performance.now();
  return {
    stop: () => {
      const cpuMs = processCpuMs(pid) - cpu0;
      return { share: cpuMs / (performance.now() - t0), cpuMs };
    },
  };
}

/** Busy and total jiffies of all cores together, from the first line of /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, n) => sum + n, 0);
  // idle and iowait are the 4th and 5th fields
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** How long a quiet-machine wait took and how busy the machine was in its last window. */
export interface QuietWait {
  readonly waitedMs: number;
  /** cores busy in the last window (of every process on the machine) */
  readonly busyCores: number;
}

/**
 * Wait (at most `timeoutMs`) until the whole machine used fewer than `maxBusyCores` cores
 * over a `windowMs` window: work left over from starting hundreds of agents (or anything
 * else on a shared machine) should not be part of the next measurement. Every system's run
 * waits alike. Resolves with what it saw, also after the timeout.
 */
export async function waitForQuietMachine(opts: { readonly maxBusyCores: number; readonly windowMs: number; readonly timeoutMs: number }): Promise<QuietWait> {
  const cores = availableParallelism();
  const started = performance.now();
  for (;;) {
    const before = machineTicks();
    await new Promise((resolve) => setTimeout(resolve, opts.windowMs));
    const after = machineTicks();
    const total = after.total - before.total;
    const busyCores = total > 0 ? ((after.busy - before.busy) / total) * cores : 0;
    const waitedMs = performance.now() - started;
    if (busyCores < opts.maxBusyCores || waitedMs >= opts.timeoutMs) return { waitedMs, busyCores };
  }
}
