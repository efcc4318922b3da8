/**
 * In-memory caches of what a store holds, one per store: tests run several servers (several
 * stores) in one process, and a context is cheap to copy (e.g. with another logger), so a
 * cache is keyed by the store part it mirrors, never by the context. Bounded, least recently
 * used first out.
 */

/** A function giving each store part its own map (made on first use). */
export function mapPerStorePart<P extends object, V>(): (part: P) => Map<string, V> {
  const maps = new WeakMap<P, Map<string, V>>();
  return (part) => {
    let map = maps.get(part);
    if (map === undefined) {
      map = new Map();
      maps.set(part, map);
    }
    return map;
  };
}

/** Put `value` under `key` as the most recently used entry; the least recently used goes beyond `max` entries. */
export function putRecent<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}
