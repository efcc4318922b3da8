/**
 * CPU time of a process from /proc (Linux): how busy the measured server was during a
 * window, so a throughput figure can be told apart from a client-bound one.
 */
import { readFileSync } from 'node:fs';

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
