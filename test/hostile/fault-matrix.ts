/**
 * The fault matrix: per fault kind, how many faults the relay injected, and in how many
 * trials the agents detected them and recovered once the relay was honest again. Each
 * test file records its trials and writes its part to test-artifacts/fault-matrix.d/;
 * the parts are merged into test-artifacts/fault-matrix.json (gitignored) and printed.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Every fault kind of the matrix, in the order it is printed. */
export const FAULT_KINDS = [
  'drop',
  'reorder',
  'replay',
  'flip_header',
  'flip_nonce',
  'flip_ciphertext',
  'flip_signature',
  'truncate',
  'resign',
  'inject_non_member',
  'inject_mailbox_key',
  'stale_snapshot',
  'forked_snapshot',
  'refused_snapshots',
  'fork_chain',
  'truncate_chain',
  'hide_removal',
  'swap_bundle',
  'rogue_device',
  'relabel_org',
  'substitute_professional',
  'substitute_client',
  'revoked_device',
  'split_view_log',
  'rewritten_log',
  'unproven_certificate',
  'withheld_revocation',
  'stale_head',
  'removed_past_cut',
  'fake_ack',
  'withhold_last',
  'alter_basis',
  'forge_basis',
  'forge_coauthor',
] as const;
/** One of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** One row: trials run, faults injected, trials detected and recovered, and how. */
export interface FaultRow {
  readonly trials: number;
  readonly injected: number;
  readonly detected: number;
  readonly recovered: number;
  /** the problem codes the agents reported, and what brought recovery */
  readonly notes: readonly string[];
}

/** The outcome of one trial. */
export interface TrialOutcome {
  /** how many times the relay acted */
  readonly injected: number;
  readonly detected: boolean;
  readonly recovered: boolean;
  /** e.g. `clock_gap; recovered at the author's next envelope` */
  readonly note: string;
}

const rowSchema = z.object({
  trials: z.int().min(0),
  injected: z.int().min(0),
  detected: z.int().min(0),
  recovered: z.int().min(0),
  notes: z.array(z.string()),
});
const partSchema = z.object({ part: z.string(), writtenAt: z.int(), rows: z.record(z.string(), rowSchema) });
/** A written part of the matrix. */
export type MatrixPart = z.infer<typeof partSchema>;

/** test-artifacts/ at the repository root (gitignored). */
const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
/** The merged matrix in `dir`. */
export function matrixFile(dir = ARTIFACTS_DIR): string {
  return join(dir, 'fault-matrix.json');
}
const partsDir = (dir: string): string => join(dir, 'fault-matrix.d');

const EMPTY: FaultRow = Object.freeze({ trials: 0, injected: 0, detected: 0, recovered: 0, notes: [] });

/** Add `b` to `a`. */
function addRows(a: FaultRow, b: FaultRow): FaultRow {
  return {
    trials: a.trials + b.trials,
    injected: a.injected + b.injected,
    detected: a.detected + b.detected,
    recovered: a.recovered + b.recovered,
    notes: [...new Set([...a.notes, ...b.notes])],
  };
}

/** The trials of one test file. */
export class FaultMatrix {
  readonly #part: string;
  readonly #dir: string;
  readonly #rows = new Map<FaultKind, FaultRow>();

  /** A matrix part named after its test file, written under `dir` (default {@link ARTIFACTS_DIR}). */
  constructor(part: string, dir = ARTIFACTS_DIR) {
    this.#part = part;
    this.#dir = dir;
  }

  /** Record one trial of a fault kind. */
  record(kind: FaultKind, outcome: TrialOutcome): void {
    const row: FaultRow = {
      trials: 1,
      injected: outcome.injected,
      detected: outcome.detected ? 1 : 0,
      recovered: outcome.recovered ? 1 : 0,
      notes: [outcome.note],
    };
    this.#rows.set(kind, addRows(this.#rows.get(kind) ?? EMPTY, row));
  }

  /** This part's rows. */
  rows(): ReadonlyMap<FaultKind, FaultRow> {
    return this.#rows;
  }

  /** Write this part, merge every part into {@link matrixFile}, and return the merged rows. */
  write(): Map<string, FaultRow> {
    mkdirSync(partsDir(this.#dir), { recursive: true });
    const part: MatrixPart = { part: this.#part, writtenAt: Date.now(), rows: Object.fromEntries(this.#rows) as MatrixPart['rows'] };
    writeFileSync(join(partsDir(this.#dir), `${this.#part}.json`), `${JSON.stringify(part, null, 2)}\n`);
    return writeMerged(readParts(this.#dir), this.#dir);
  }
}

/** Every part written under `dir` so far (a part that does not parse is skipped). */
export function readParts(dir = ARTIFACTS_DIR): MatrixPart[] {
  let names: string[];
  try {
    names = readdirSync(partsDir(dir)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    try {
      const parsed = partSchema.safeParse(JSON.parse(readFileSync(join(partsDir(dir), name), 'utf8')));
      return parsed.success ? [parsed.data] : [];
    } catch {
      return [];
    }
  });
}

/** Merge parts by fault kind. */
export function mergeParts(parts: readonly MatrixPart[]): Map<string, FaultRow> {
  const merged = new Map<string, FaultRow>();
  for (const part of parts) {
    for (const [kind, row] of Object.entries(part.rows)) merged.set(kind, addRows(merged.get(kind) ?? EMPTY, row));
  }
  return merged;
}

/** Merge `parts` into {@link matrixFile} of `dir`; returns the merged rows. */
export function writeMerged(parts: readonly MatrixPart[], dir = ARTIFACTS_DIR): Map<string, FaultRow> {
  const merged = mergeParts(parts);
  mkdirSync(dir, { recursive: true });
  const ordered = orderedKinds(merged).map((kind) => [kind, merged.get(kind) ?? EMPTY] as const);
  const body = { generatedAt: new Date().toISOString(), parts: parts.map((p) => p.part).sort(), faults: Object.fromEntries(ordered) };
  writeFileSync(matrixFile(dir), `${JSON.stringify(body, null, 2)}\n`);
  return merged;
}

function orderedKinds(rows: ReadonlyMap<string, FaultRow>): string[] {
  const known: string[] = FAULT_KINDS.filter((k) => rows.has(k));
  return [...known, ...[...rows.keys()].filter((k) => !known.includes(k)).sort()];
}

/** The matrix as a fixed-width text table. */
export function formatMatrix(rows: ReadonlyMap<string, FaultRow>): string {
  const header = ['fault', 'trials', 'injected', 'detected', 'recovered'];
  const lines = orderedKinds(rows).map((kind) => {
    const r = rows.get(kind) ?? EMPTY;
    return [kind, String(r.trials), String(r.injected), `${r.detected}/${r.trials}`, `${r.recovered}/${r.trials}`];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join('\n');
}
