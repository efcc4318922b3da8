/**
 * zod without its eval-compiled fast path. zod 4 probes `new Function` to decide whether
 * it may compile parsers; the agent's Content-Security-Policy forbids eval, so the probe
 * would log a CSP violation on every page load. The interpreted parsers are plenty fast
 * for the API's small answers. Imported first by main.tsx, before any schema is used.
 */
import { z } from 'zod';

z.config({ jitless: true });
