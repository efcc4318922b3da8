/**
 * Serving the built UI (client/ui/dist) to the browser tab. When the UI has not been
 * built, an honest page says so and how to build it: the UI is its own package and
 * the agent's API works without it.
 */
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseHeaders } from './http-util';

/** Where the built UI is expected: client/ui/dist. */
export function defaultUiDir(): string {
  return fileURLToPath(new URL('../../../ui/dist', import.meta.url));
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** The Content-Security-Policy of UI pages: only this agent's own scripts and sockets. */
function pageSecurityPolicy(host: string): string {
  return [
    "default-src 'self'",
    `connect-src 'self' ws://${host}`,
    "img-src 'self' data: blob:",
    "style-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

function pageHeaders(host: string, contentType: string, length: number): Record<string, string | number> {
  return {
    ...baseHeaders(),
    'content-type': contentType,
    'content-length': length,
    'content-security-policy': pageSecurityPolicy(host),
    'x-frame-options': 'DENY',
  };
}

/** The page shown when client/ui/dist has no index.html. */
export const UI_NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Yhteispöytä agent</title></head>
<body>
<h1>Yhteispöytä agent is running</h1>
<p>The user interface has not been built yet, so there is nothing to show here.
The agent's API and document endpoints work without it.</p>
<p>The UI is the <code>client/ui</code> package of the repository. Once it is built
(its production build is written to <code>client/ui/dist</code>), reload this page.</p>
</body></html>
`;

/**
 * Serve `pathname` from `uiDir`. Paths that are not files fall back to index.html (the
 * UI routes on the client). Anything resolving outside `uiDir` is a 404.
 */
export async function serveUi(res: ServerResponse, pathname: string, uiDir: string, host: string, headOnly: boolean): Promise<void> {
  const root = resolve(uiDir);
  const index = join(root, 'index.html');
  if (!(await isFile(index))) {
    send(res, 200, pageHeaders(host, CONTENT_TYPES['.html'] ?? 'text/html', Buffer.byteLength(UI_NOT_BUILT_PAGE)), Buffer.from(UI_NOT_BUILT_PAGE), headOnly);
    return;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    send(res, 404, { ...baseHeaders(), 'content-type': 'text/plain; charset=utf-8' }, Buffer.from('not found'), headOnly);
    return;
  }
  const candidate = resolve(root, `.${decoded}`);
  const inside = candidate === root || candidate.startsWith(root + sep);
  if (!inside || decoded.includes('\0')) {
    send(res, 404, { ...baseHeaders(), 'content-type': 'text/plain; charset=utf-8' }, Buffer.from('not found'), headOnly);
    return;
  }
  const extension = extname(candidate);
  let file = candidate;
  if (!(await isFile(candidate))) {
    // Only extension-less paths are client-side routes; a missing asset is a real 404.
    if (extension !== '') {
      send(res, 404, { ...baseHeaders(), 'content-type': 'text/plain; charset=utf-8' }, Buffer.from('not found'), headOnly);
      return;
    }
    file = index;
  }
  const body = await readFile(file);
  const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
  send(res, 200, pageHeaders(host, type, body.byteLength), body, headOnly);
}

function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body: Buffer, headOnly: boolean): void {
  res.writeHead(status, headers);
  res.end(headOnly ? undefined : body);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
