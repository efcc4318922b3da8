/**
 * One-field mutations of valid values: a request that would be accepted, with exactly one
 * node (a field, an array element, a byte string, the whole value) changed, removed or
 * joined by an extra key. These reach deeper than random values, because everything
 * around the broken field still passes the checks before it.
 */
import { hostileNumber, hostileString, hostileValue, POLLUTION_KEYS } from './hostile-values';
import type { HostileOptions } from './hostile-values';
import type { Prng } from '@yhteispoyta/test-support/prng';

/** A path into a value: object keys and array indexes. */
export type ValuePath = readonly (string | number)[];

/** What a mutation did, for reports: `$.envelope.header` flip-bit. */
export interface MutationNote {
  readonly path: string;
  readonly attack: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Every node of `root` with its path, breadth first (iterative: templates are small, but never trust depth). */
export function nodesOf(root: unknown): { path: ValuePath; value: unknown }[] {
  const out: { path: ValuePath; value: unknown }[] = [];
  const queue: { path: ValuePath; value: unknown }[] = [{ path: [], value: root }];
  while (queue.length > 0 && out.length < 10_000) {
    const node = queue.shift();
    if (node === undefined) break;
    out.push(node);
    if (Array.isArray(node.value)) node.value.forEach((v, i) => queue.push({ path: [...node.path, i], value: v as unknown }));
    else if (isRecord(node.value)) for (const [k, v] of Object.entries(node.value)) queue.push({ path: [...node.path, k], value: v });
  }
  return out;
}

/** A copy of `root` with the node at `path` replaced by `replace(old)` (or deleted when it returns `DELETE`). */
function replaceAt(root: unknown, path: ValuePath, replace: (old: unknown) => unknown): unknown {
  if (path.length === 0) return replace(root);
  const [head, ...rest] = path;
  if (Array.isArray(root) && typeof head === 'number') {
    const copy = [...(root as unknown[])];
    const next = replaceAt(copy[head], rest, replace);
    if (next === DELETE) copy.splice(head, 1);
    else copy[head] = next;
    return copy;
  }
  if (isRecord(root) && typeof head === 'string') {
    const copy: Record<string, unknown> = { ...root };
    const next = replaceAt(copy[head], rest, replace);
    if (next === DELETE) delete copy[head];
    else copy[head] = next;
    return copy;
  }
  return root;
}

/** Marker returned by a replacement to delete the node. */
const DELETE: unique symbol = Symbol('delete');

function formatPath(path: ValuePath): string {
  return `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;
}

function mutateBytes(prng: Prng, bytes: Uint8Array): [string, unknown] {
  const copy = Buffer.from(bytes);
  switch (prng.int(0, 5)) {
    case 0:
      if (copy.length > 0) {
        const at = prng.int(0, copy.length - 1);
        copy[at] = (copy[at] ?? 0) ^ (1 << prng.int(0, 7));
      }
      return ['flip-bit', copy];
    case 1:
      return ['truncate', copy.subarray(0, prng.int(0, Math.max(0, copy.length - 1)))];
    case 2:
      return ['extend', Buffer.concat([copy, Buffer.from(prng.bytes(prng.pick([1, 16, 4096])))])];
    case 3:
      return ['as-base64-string', copy.toString('base64')];
    case 4:
      return ['empty', Buffer.alloc(0)];
    default:
      return ['random-bytes', Buffer.from(prng.bytes(copy.length))];
  }
}

function mutateLeaf(prng: Prng, value: unknown, opts: HostileOptions): [string, unknown] {
  if (value instanceof Uint8Array && prng.chance(0.7)) return mutateBytes(prng, value);
  if (typeof value === 'string' && prng.chance(0.6)) {
    return prng.pick<[string, unknown]>([
      ['truncate', value.slice(0, prng.int(0, Math.max(0, value.length - 1)))],
      ['append', `${value}${prng.pick(['x', '\u0000', '.', '/', '%', '🦄', '=', ' '])}`],
      ['odd-string', hostileString(prng, opts.maxBytes)],
      ['as-number', Number(value)],
      ['case-swap', value.toUpperCase() === value ? value.toLowerCase() : value.toUpperCase()],
    ]);
  }
  if (typeof value === 'number' && prng.chance(0.7)) {
    return prng.pick<[string, unknown]>([
      ['edge-number', hostileNumber(prng)],
      ['off-by-one', value + prng.pick([-1, 1])],
      ['as-string', String(value)],
    ]);
  }
  return ['hostile-value', hostileValue(prng, opts)];
}

/** `template` with one node mutated; the note says where and how. */
export function mutateOnce(prng: Prng, template: unknown, opts: HostileOptions): { value: unknown; note: MutationNote } {
  const nodes = nodesOf(template);
  const node = prng.pick(nodes);
  const where = formatPath(node.path);
  const action = prng.weighted<string>([
    [6, 'leaf'], [node.path.length > 0 ? 2 : 0, 'delete'], [isRecord(node.value) ? 2 : 0, 'extra-key'],
    [isRecord(node.value) ? 1 : 0, 'pollute'], [Array.isArray(node.value) ? 1 : 0, 'duplicate'],
  ]);
  switch (action) {
    case 'delete':
      return { value: replaceAt(template, node.path, () => DELETE), note: { path: where, attack: 'delete' } };
    case 'extra-key':
      return {
        value: replaceAt(template, node.path, (old) => ({ ...(old as Record<string, unknown>), [hostileString(prng, 32)]: hostileValue(prng, opts, 1) })),
        note: { path: where, attack: 'extra-key' },
      };
    case 'pollute': {
      const key = prng.pick(POLLUTION_KEYS);
      return {
        value: replaceAt(template, node.path, (old) => {
          const copy: Record<string, unknown> = { ...(old as Record<string, unknown>) };
          Object.defineProperty(copy, key, { value: { polluted: true }, enumerable: true, configurable: true, writable: true });
          return copy;
        }),
        note: { path: where, attack: `pollution-key ${key}` },
      };
    }
    case 'duplicate':
      return {
        value: replaceAt(template, node.path, (old) => {
          const items = old as unknown[];
          return Array.from({ length: prng.pick([2, 201, 1001]) }, (_, i) => items[i % Math.max(1, items.length)]);
        }),
        note: { path: where, attack: 'repeat-elements' },
      };
    default: {
      const [attack, replacement] = mutateLeaf(prng, node.value, opts);
      return { value: replaceAt(template, node.path, () => replacement), note: { path: where, attack } };
    }
  }
}
