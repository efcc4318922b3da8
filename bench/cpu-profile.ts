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

/** Native frames (no script URL) named after what they are. */
function nativeModuleOf(functionName: string): string {
  // libsignal's Rust code is bound to JavaScript with neon.
  if (functionName.includes('neon::')) return 'pkg:@signalapp/libsignal-client (native)';
  if (/^(writev|writeBuffer|writeUtf8String|writeLatin1String|shutdown)$/.test(functionName)) return '(socket writes)';
  if (functionName === '(garbage collector)' || functionName.startsWith('(')) return functionName;
  return '(other native)';
}

/** The module a frame belongs to: `pkg:<name>`, a repository path, or a built-in bucket. */
function moduleOf(url: string, functionName: string): string {
  if (url === '') return nativeModuleOf(functionName);
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
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    total += ms;
    const module = moduleOf(url, functionName);
    modules.set(module, (modules.get(module) ?? 0) + ms);
    const name = functionName.includes('neon::') ? 'libsignal native call' : functionName || '(anonymous)';
    const fn = `${name} ${url === '' ? '' : `(${module}:${lineNumber + 1})`}`.trim();
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  }
  return { totalMs: total, byModule: top(modules, total, count), byFunction: top(functions, total, count) };
}
