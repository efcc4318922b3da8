/**
 * Builds the server to plain JavaScript for the container image (Dockerfile): one ES module
 * bundle `server/dist/main.mjs` that `node` runs directly — no TypeScript loader (tsx) at run
 * time. The workspace's own packages (@yhteispoyta/*, TypeScript sources) are bundled in;
 * every third-party dependency of the server, crypto and common stays an import resolved from
 * node_modules at run time (native modules — libsignal, SQLCipher — cannot be bundled, and
 * keeping the others external keeps licences and versions as the lockfile says).
 *
 *   npx tsx scripts/build-server.ts [outfile]
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const WORKSPACES = ['server', 'crypto', 'common'];

/** Third-party runtime dependencies of the packages the server is built from. */
function externalDependencies(root = ROOT): string[] {
  const names = new Set<string>();
  for (const workspace of WORKSPACES) {
    const manifest = JSON.parse(readFileSync(resolve(root, workspace, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(manifest.dependencies ?? {})) if (!name.startsWith('@yhteispoyta/')) names.add(name);
  }
  return [...names].sort();
}

/** Bundle the server's entry point into `outfile`. */
async function buildServer(outfile = resolve(ROOT, 'server', 'dist', 'main.mjs')): Promise<string> {
  const external = externalDependencies().flatMap((name) => [name, `${name}/*`]);
  await build({
    entryPoints: [resolve(ROOT, 'server', 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external,
    sourcemap: true,
    // Bundled CommonJS helpers (none expected) would need `require`: give them one.
    banner: { js: "import { createRequire as __yCreateRequire } from 'node:module'; const require = __yCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const target = process.argv[2] === undefined ? undefined : resolve(process.argv[2]);
  buildServer(target).then(
    (outfile) => process.stdout.write(`built ${outfile} (${dirname(outfile)})\n`),
    (error: unknown) => {
      process.stderr.write(`build failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
