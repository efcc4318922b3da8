/**
 * Browser tests of the UI: one real server process and two real agent processes (the
 * integration harness's ServerProcess and AgentProcess, each agent behind its own proxy,
 * everything in one temporary directory), the built UI served by the agents, and
 * Debian's Chromium driven by playwright-core — one browser context per person.
 *
 * Each page records what the browser itself complains about (console errors, refused
 * content-security-policy, uncaught exceptions, and any native dialog — the UI asks in the page),
 * and can be checked with axe-core for serious or critical accessibility violations.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAddress } from '@yhteispoyta/local-api/auth';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AgentProcess, CuttableProxy, ServerProcess } from '../integration/harness';
import { REPO_ROOT } from '../integration/child-process';

/** Where screenshots and other artifacts go (gitignored). */
const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts', 'e2e');
/** The browser: Debian's Chromium, never a downloaded one. */
const CHROMIUM_PATH = '/usr/bin/chromium';
/** Flags for a headless Chromium in a container (playwright adds --headless). */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/** axe-core, installed in every page of the tests' browser contexts. */
export const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A person's browser context on one agent. */
export interface PersonPage {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** what the browser complained about on this page */
  readonly complaints: string[];
}

/** The processes and the browser of one test file. */
export class UiCluster {
  readonly agents: AgentProcess[] = [];
  readonly #proxies: CuttableProxy[] = [];
  readonly #contexts: BrowserContext[] = [];

  private constructor(
    readonly root: string,
    readonly server: ServerProcess,
    readonly browser: Browser,
  ) {}

  /** Start a server and a browser in a fresh temporary directory. */
  static async start(): Promise<UiCluster> {
    const root = mkdtempSync(join(tmpdir(), 'yp-e2e-'));
    const serverDir = join(root, 'server');
    mkdirSync(serverDir);
    let server: ServerProcess | undefined;
    try {
      server = await ServerProcess.start({ dir: serverDir, logLevel: 'warn' });
      const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
      return new UiCluster(root, server, browser);
    } catch (error) {
      await server?.kill().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
      throw error;
    }
  }

  /** Start an agent process (no profile yet: the person creates it in the UI). */
  async startAgent(name: string): Promise<AgentProcess> {
    const proxy = await CuttableProxy.start(() => this.server.port);
    this.#proxies.push(proxy);
    const dir = join(this.root, 'agents', name);
    mkdirSync(dir, { recursive: true });
    const agent = await AgentProcess.start({ name, dir, proxy });
    this.agents.push(agent);
    return agent;
  }

  /** A new browser context for a person, with the agent's page opened through its token address. */
  async openPage(name: string, agent: AgentProcess): Promise<PersonPage> {
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fi-FI', acceptDownloads: true });
    this.#contexts.push(context);
    // axe-core arrives as a DevTools init script: the page's CSP (scripts from 'self' only,
    // no eval) stays fully in force, and any violation of it is a complaint below.
    await context.addInitScript({ content: axeSource });
    const page = await context.newPage();
    const complaints: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') complaints.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => complaints.push(`page error: ${error.message}`));
    // The UI asks in the page; a browser dialog is a defect (and is dismissed, so nothing happens).
    page.on('dialog', (dialog) => {
      complaints.push(`native ${dialog.type()} dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.goto(openAddress(agent.api.url, agent.api.token));
    return { name, context, page, complaints };
  }

  /** Close the browser, stop every process, remove the directory. Never throws. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#contexts.map((c) => c.close()));
    await this.browser.close().catch(() => undefined);
    await Promise.allSettled(this.agents.map((a) => a.kill()));
    await Promise.allSettled(this.#proxies.map((p) => p.close()));
    await this.server.kill().catch(() => undefined);
    rmSync(this.root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

/** An axe-core finding. */
export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}


/**
 * Run axe-core (WCAG 2.x A and AA rules and best practices) on the page as it is now and
 * return the serious and critical violations. axe was installed by the context's init
 * script (see {@link UiCluster.openPage}).
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  const result = await page.evaluate(async () => {
    interface AxeResult {
      violations: { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }[];
    }
    const axe = (window as unknown as { axe: { run(context: Document, options: unknown): Promise<AxeResult> } }).axe;
    const run = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return run.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => String(n.target)) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Save a screenshot to test-artifacts/e2e/<name>.png and return its path: the full page
 * by default, or what the window shows (with the text caret) for pictures of a moment.
 */
export async function screenshot(page: Page, name: string, opts: { viewportOnly?: boolean } = {}): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: opts.viewportOnly !== true, caret: opts.viewportOnly === true ? 'initial' : 'hide' });
  return path;
}
