/**
 * `npm run demo` as a process for the browser tests: started in a temporary folder, its
 * four printed addresses read from stdout by person, and Debian's Chromium beside it.
 * The tests that meet the demo's people share this instead of each starting it their way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { spawnProduct } from '../integration/child-process';
import { waitFor } from '../integration/wait-for';
import { ensureUiBuilt } from './ui-build';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** A running demo and a browser. */
export interface DemoUnderTest {
  /** each person's address (`http://127.0.0.1:<port>/#token=…`) by the name the demo prints */
  readonly addresses: ReadonlyMap<string, string>;
  readonly browser: Browser;
  /** stop the demo as Ctrl-C does; resolves with how it exited */
  stop(): Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** close the browser, stop the demo if still running, remove the folder */
  close(): Promise<void>;
}

/** Build the UI if needed, start the demo and wait until it prints its addresses (throws with its stderr if it exits). */
export async function startDemoUnderTest(prefix: string): Promise<DemoUnderTest> {
  await ensureUiBuilt();
  const root = mkdtempSync(join(tmpdir(), prefix));
  const demo = spawnProduct({
    entry: 'scripts/demo.ts',
    args: ['--dir', join(root, 'demo')],
    env: { PATH: process.env.PATH ?? '', HOME: root, LOG_LEVEL: 'warn' },
    logDir: root,
    name: 'demo',
  });
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    await demo.stop();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitFor(() => demo.stdout().includes('Ctrl-C stops the demo.') || !demo.running(), { timeoutMs: 180_000, what: 'the demo to be ready' });
    if (!demo.running()) throw new Error(`the demo exited: ${demo.stderr()}`);
    // "  Name   title\n    http://127.0.0.1:<port>/#token=…"
    const addresses = new Map<string, string>();
    const lines = demo.stdout().split('\n');
    lines.forEach((line, i) => {
      const url = lines[i + 1]?.trim();
      if (url?.startsWith('http://127.0.0.1:')) addresses.set(line.trim().split(/\s{2,}/)[0] ?? '', url);
    });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    return { addresses, browser, stop: () => demo.stop('SIGTERM'), close };
  } catch (error) {
    await close();
    throw error;
  }
}
