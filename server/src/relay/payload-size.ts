/**
 * How big an event payload is, judged before any schema runs, so that an oversized
 * payload is answered `too_large` (not `bad_request`) and costs at most one bounded walk.
 * socket.io already caps a whole message at `maxHttpBufferSize`; this is the tighter cap
 * of each event.
 */

/** The most values one payload may contain, whatever their size: a flat cap on the walk's work. */
export const MAX_PAYLOAD_VALUES = 20_000;

/**
 * True when `payload` holds more than `budgetBytes` (strings count one byte per UTF-16
 * unit, byte arrays their length, every other value and every key a few bytes) or more
 * than {@link MAX_PAYLOAD_VALUES} values. Iterative and stops at the first excess, so
 * deep or wide hostile payloads cannot exhaust the stack or the CPU. Never throws.
 */
export function payloadExceeds(payload: unknown, budgetBytes: number): boolean {
  const pending: unknown[] = [payload];
  let bytes = 0;
  let values = 1;
  // Counting children as they are queued (not as they are visited) bounds the queue too.
  const enqueue = (child: unknown): boolean => {
    values += 1;
    if (values > MAX_PAYLOAD_VALUES) return false;
    pending.push(child);
    return true;
  };
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') bytes += value.length;
    else if (value instanceof Uint8Array) bytes += value.byteLength;
    else if (Array.isArray(value)) {
      bytes += 2;
      for (const item of value as unknown[]) if (!enqueue(item)) return true;
    } else if (typeof value === 'object' && value !== null) {
      bytes += 2;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        bytes += key.length + 1;
        if (!enqueue((value as Record<string, unknown>)[key])) return true;
      }
    } else bytes += 8;
    if (bytes > budgetBytes) return true;
  }
  return false;
}
