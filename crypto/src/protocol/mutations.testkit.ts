/**
 * Test support (imported by the protocol tests only): derives hostile variants of a
 * valid value, so that every schema is checked against the same attacks at every
 * depth instead of a few hand-picked ones.
 */
import { toBase64 } from '../bytes';

/** One hostile variant of a valid value: what was changed, and the whole mutated value. */
export interface Mutation {
  readonly where: string;
  readonly attack: string;
  readonly input: unknown;
}

/** An object nested `depth` levels deep (`{ a: { a: … } }`), built without recursion. */
function deeplyNested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** Longer than every string bound of the protocol. */
const HUGE_STRING = 'A'.repeat(100_000);
/** Longer than every byte bound of the protocol (ciphertexts stop at 4 MiB). */
const HUGE_BYTES = new Uint8Array(5 * 1024 * 1024);
/** Longer than every array bound of the protocol. */
const HUGE_ARRAY_LENGTH = 10_001;
const DEEP = deeplyNested(5000);

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function wrongTypeOf(value: unknown): unknown {
  if (value instanceof Uint8Array) return toBase64(value);
  if (Array.isArray(value)) return { 0: value[0] };
  if (value === null) return 0;
  switch (typeof value) {
    case 'string': return 12345;
    case 'number': return String(value);
    case 'boolean': return String(value);
    default: return 'not-an-object';
  }
}

/** The attacks on one node, each a replacement for it. */
function attacksOn(value: unknown): [string, unknown][] {
  const attacks: [string, unknown][] = [
    ['wrong type', wrongTypeOf(value)],
    ['deep nesting', DEEP],
  ];
  if (typeof value === 'number') {
    attacks.push(['NaN', Number.NaN], ['negative', -1], ['infinite', Number.POSITIVE_INFINITY], ['fraction', 1.5]);
  }
  if (typeof value === 'string') attacks.push(['oversize string', HUGE_STRING]);
  if (value instanceof Uint8Array) attacks.push(['oversize bytes', HUGE_BYTES], ['typed array of another kind', new Uint16Array(2)]);
  if (Array.isArray(value) && value.length > 0) {
    attacks.push(['oversize array', Array.from({ length: HUGE_ARRAY_LENGTH }, () => value[0])]);
  }
  return attacks;
}

/**
 * Every mutation of `root`: each node (objects, the first element of arrays, leaves)
 * replaced by each attack of {@link attacksOn}. Every one of them must be rejected.
 */
export function mutationsOf(root: unknown): Mutation[] {
  const out: Mutation[] = [];
  const visit = (node: unknown, where: string, replace: (v: unknown) => unknown): void => {
    for (const [attack, replacement] of attacksOn(node)) out.push({ where, attack, input: replace(replacement) });
    if (Array.isArray(node) && node.length > 0) {
      visit(node[0], `${where}[0]`, (v) => replace([v, ...node.slice(1)]));
    } else if (isPlainRecord(node)) {
      for (const key of Object.keys(node)) {
        visit(node[key], `${where}.${key}`, (v) => replace({ ...node, [key]: v }));
      }
    }
  };
  visit(root, '$', (v) => v);
  return out;
}

/**
 * Every object of `root` given one extra key, with the path of that object. Each must
 * be rejected, or parse to a value without the key: unknown keys never pass through.
 */
export function extraKeyVariantsOf(root: unknown, extraKey: string): { where: string; input: unknown }[] {
  const out: { where: string; input: unknown }[] = [];
  const visit = (node: unknown, where: string, replace: (v: unknown) => unknown): void => {
    if (Array.isArray(node) && node.length > 0) {
      visit(node[0], `${where}[0]`, (v) => replace([v, ...node.slice(1)]));
    } else if (isPlainRecord(node)) {
      out.push({ where, input: replace({ ...node, [extraKey]: 1 }) });
      for (const key of Object.keys(node)) {
        visit(node[key], `${where}.${key}`, (v) => replace({ ...node, [key]: v }));
      }
    }
  };
  visit(root, '$', (v) => v);
  return out;
}

/** True if `key` appears as an own key anywhere inside `value`. */
export function containsKey(value: unknown, key: string): boolean {
  if (Array.isArray(value)) return value.some((v) => containsKey(v, key));
  if (!isPlainRecord(value)) return false;
  return Object.keys(value).some((k) => k === key || containsKey(value[k], key));
}
