/**
 * Where a profiled process spent its CPU: a V8 `.cpuprofile` (node --cpu-prof) reduced to
 * self time per function and per module (a package under node_modules, a source file of
 * this repository, or a V8/Node built-in), so the report can say where the time goes.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { z } from 'zod';
import { REPO_ROOT } from './processes';

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      hitCount: z.number().optional(),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

/** One line of a profile summary. */
export interface ProfileEntry {
  readonly name: string;
  /** share of all sampled time, 0–1 */
  readonly share: number;
}

/** Self time of a profile grouped two ways. */
export interface ProfileSummary {
  readonly totalMs: number;
  readonly byModule: readonly ProfileEntry[];
  readonly byFunction: readonly ProfileEntry[];
}

/** Bucket of the profiler's own frames, left out of the shares. */
const PROFILER = '(profiler)';

/** Socket writes are native frames under Node's stream code; they are named as what they are. */
const SOCKET_WRITES = /^(writev|writeBuffer|writeUtf8String|writeLatin1String|shutdown)$/;

/** The module a frame with a script URL belongs to: `pkg:<name>`, a repository path, or Node's internals. */
function moduleOf(url: string, functionName: string): string {
  if (url === '') return functionName;
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 'node_modules/'.length).split('/');
    const name = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? '?');
    return `pkg:${name}`;
  }
  if (path.startsWith('node:')) return 'node:internals';
  if (path.startsWith(REPO_ROOT)) return relative(REPO_ROOT, path);
  return path;
}

function top(map: Map<string, number>, total: number, count: number): ProfileEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => ({ name, share: total > 0 ? ms / total : 0 }));
}

/** Summarise one `.cpuprofile` file: the `count` largest modules and functions by self time. */
export function summarizeCpuProfile(file: string, count = 8): ProfileSummary {
  const profile = profileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  // A native frame (libsignal's Rust, SQLCipher's C, V8 built-ins) has no script URL and
  // its symbol name varies between runs; it is charged to the nearest caller that has one
  // (e.g. libsignal's JavaScript wrapper), so the module table names the library.
  const owner = (id: number): { module: string; name: string } => {
    const node = byId.get(id);
    const { functionName, url, lineNumber } = node?.callFrame ?? { functionName: '?', url: '', lineNumber: 0 };
    if (url !== '') return { module: moduleOf(url, functionName), name: `${functionName || '(anonymous)'} (${moduleOf(url, functionName)}:${lineNumber + 1})` };
    if (functionName.startsWith('(')) return { module: functionName, name: functionName };
    if (SOCKET_WRITES.test(functionName)) return { module: '(socket writes)', name: functionName };
    for (let up = parentOf.get(id); up !== undefined; up = parentOf.get(up)) {
      const caller = byId.get(up)?.callFrame;
      // The inspector session that starts and stops the profiler is not the program's own work.
      if (caller?.url.startsWith('node:inspector') === true) return { module: PROFILER, name: PROFILER };
      if (caller !== undefined && caller.url !== '') {
        const module = `${moduleOf(caller.url, caller.functionName)} (native code)`;
        return { module, name: `native code under ${caller.functionName || '(anonymous)'} (${moduleOf(caller.url, caller.functionName)}:${caller.lineNumber + 1})` };
      }
    }
    return { module: '(native, no caller)', name: functionName || '(anonymous)' };
  };
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of selfMs) {
    const functionName = byId.get(id)?.callFrame.functionName;
    if (functionName === undefined || functionName === '(idle)' || functionName === '(program)') continue;
    const { module, name } = owner(id);
    if (module === PROFILER) continue;
    total += ms;
    modules.set(module, (modules.get(module) ?? 0) + ms);
    functions.set(name, (functions.get(name) ?? 0) + ms);
  }
  return { totalMs: total, byModule: top(modules, total, count), byFunction: top(functions, total, count) };
}
