/**
 * The browser tests run against the real built UI (client/ui/dist, which the agent
 * serves). It is built once per run: when dist is missing or older than any source of
 * the UI or of the local-API contract it bundles. A lock directory keeps two test files
 * from building at the same time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../integration/child-process';
import { waitFor } from '../integration/wait-for';

/** The UI package. */
const UI_DIR = join(REPO_ROOT, 'client', 'ui');
/** The local-API contract, which the UI bundles. */
const LOCAL_API_SRC = join(REPO_ROOT, 'client', 'local-api', 'src');
/** The built page the agent serves. */
const UI_INDEX = join(UI_DIR, 'dist', 'index.html');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** Whether dist is missing or older than the UI's sources and build configuration. */
function uiBuildIsStale(): boolean {
  if (!existsSync(UI_INDEX)) return true;
  const built = statSync(UI_INDEX).mtimeMs;
  const own = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(UI_DIR, p));
  // The page bundles the local-API contract's schemas too.
  const sources = [...own, LOCAL_API_SRC].filter((p) => existsSync(p));
  return sources.some((p) => newestMtime(p) > built);
}

/** Build the UI unless an up-to-date build exists. Throws with vite's output when the build fails. */
export async function ensureUiBuilt(): Promise<void> {
  const lock = join(UI_DIR, '.build-lock');
  await waitFor(
    () => {
      try {
        mkdirSync(lock);
        return true;
      } catch {
        // A lock older than the longest build is left over from a killed run.
        if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
        return false;
      }
    },
    { timeoutMs: 300_000, intervalMs: 250, what: 'the UI build lock' },
  );
  try {
    if (!uiBuildIsStale()) return;
    const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    const result = spawnSync(process.execPath, [vite, 'build'], { cwd: UI_DIR, encoding: 'utf8', timeout: 300_000 });
    if (result.status !== 0) throw new Error(`vite build failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
