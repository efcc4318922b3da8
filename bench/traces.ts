/**
 * Seeded, realistic editing traces: people type in bursts of keystrokes 150–300 ms
 * apart, pause for seconds, sometimes backspace, and now and then paste a few hundred
 * characters. The same seed gives the same trace, so both systems are fed identical
 * edits at identical times.
 */
import { Prng } from '@yhteispoyta/test-support/prng';

/** A deterministic generator of floats in [0, 1). */
export type Rng = () => number;

/** The project's seeded PRNG (test-support's sfc32), as a function: good enough to vary a workload, not for cryptography. */
export function seededRng(seed: number): Rng {
  const rng = new Prng(seed);
  return () => rng.float();
}

/** One edit of a trace. Positions are relative, so a trace applies to any document. */
export interface EditOp {
  /** ms after the start of the trace */
  readonly at: number;
  /** `type` and `paste` insert `text` at the cursor; `delete` removes the character before it */
  readonly kind: 'type' | 'paste' | 'delete';
  readonly text: string;
  /** when set, the cursor first moves to this fraction of the document's length (a new place to edit) */
  readonly moveTo?: number;
}

const WORDS = [
  'asiakas', 'tavoite', 'kuntoutus', 'palvelu', 'suunnitelma', 'toimeentulotuki', 'tapaaminen', 'sovittiin',
  'seuraava', 'työkyky', 'hakemus', 'päätös', 'tuki', 'yhteistyö', 'arvio', 'viikko', 'terveys', 'koulutus',
  'the', 'plan', 'meeting', 'agreed', 'next', 'review', 'support', 'and', 'with', 'will',
];

function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new RangeError('pick from an empty list');
  return item;
}

function between(rng: Rng, low: number, high: number): number {
  return low + rng() * (high - low);
}

/** Running text to type from: words, spaces and an occasional full stop. */
function textSource(rng: Rng): () => string {
  let buffer = '';
  return () => {
    if (buffer.length === 0) buffer = `${pick(rng, WORDS)}${rng() < 0.12 ? '. ' : ' '}`;
    const ch = buffer[0] ?? ' ';
    buffer = buffer.slice(1);
    return ch;
  };
}

function pasteText(rng: Rng): string {
  const target = Math.floor(between(rng, 200, 600));
  let out = '';
  while (out.length < target) out += `${pick(rng, WORDS)} `;
  return out.slice(0, target);
}

/** Shape of a typist; the defaults are the bench's. */
export interface TypistModel {
  readonly keyIntervalMs: readonly [number, number];
  readonly pauseMs: readonly [number, number];
  readonly burstKeys: readonly [number, number];
  /** chance that a keystroke is a backspace */
  readonly backspace: number;
  /** chance that a burst starts with a paste */
  readonly paste: number;
}

/** Keystrokes 150–300 ms apart in bursts of 5–40, pauses of 1.5–6 s, 7 % backspaces, a paste in 4 % of bursts. */
const DEFAULT_TYPIST: TypistModel = {
  keyIntervalMs: [150, 300],
  pauseMs: [1500, 6000],
  burstKeys: [5, 40],
  backspace: 0.07,
  paste: 0.04,
};

/**
 * The edits one typist makes within `durationMs`, starting after a random initial pause
 * so that typists of one workspace do not start in lockstep. The pause is at most the
 * shortest pause between bursts, so any run at least that long has edits of every typist
 * (a longer one left a short run — the quick bench's merge-window sweep — with none).
 */
export function typingTrace(seed: number, durationMs: number, model: TypistModel = DEFAULT_TYPIST): EditOp[] {
  const rng = seededRng(seed);
  const next = textSource(rng);
  const ops: EditOp[] = [];
  let at = between(rng, 0, model.pauseMs[0]);
  while (at < durationMs) {
    // After a pause a typist goes on where they were, or (40 %) moves somewhere else.
    let moveTo: number | undefined = rng() < 0.4 ? rng() : undefined;
    if (rng() < model.paste) {
      ops.push({ at, kind: 'paste', text: pasteText(rng), ...(moveTo === undefined ? {} : { moveTo }) });
      moveTo = undefined;
      at += between(rng, model.keyIntervalMs[0], model.keyIntervalMs[1]);
    }
    const keys = Math.floor(between(rng, model.burstKeys[0], model.burstKeys[1]));
    for (let k = 0; k < keys && at < durationMs; k++) {
      const base = moveTo === undefined ? {} : { moveTo };
      moveTo = undefined;
      ops.push(rng() < model.backspace ? { at, kind: 'delete', text: '', ...base } : { at, kind: 'type', text: next(), ...base });
      at += between(rng, model.keyIntervalMs[0], model.keyIntervalMs[1]);
    }
    at += between(rng, model.pauseMs[0], model.pauseMs[1]);
  }
  return ops;
}

/** `count` edits of one typist in order, timing ignored (building a long document fast). */
export function editSequence(seed: number, count: number, model: TypistModel = DEFAULT_TYPIST): EditOp[] {
  const ops: EditOp[] = [];
  let chunk = 0;
  while (ops.length < count) {
    for (const op of typingTrace(seed * 7919 + chunk, 600_000, model)) {
      if (ops.length >= count) break;
      ops.push(op);
    }
    chunk += 1;
  }
  return ops;
}
