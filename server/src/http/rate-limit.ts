/**
 * Fixed-window rate limiting per key (IP address or device), in memory and bounded:
 * the table never holds more than `maxKeys` entries, so a flood of distinct keys cannot
 * exhaust memory. One process; behind several processes each enforces its own share.
 */
export interface RateLimiter {
  /** true if the call is allowed; counts it */
  take(key: string, now?: number): boolean;
}

export function createRateLimiter(limitPerWindow: number, windowMs = 60_000, maxKeys = 50_000): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    take(key, now = Date.now()) {
      let w = windows.get(key);
      if (!w || now - w.start >= windowMs) {
        if (!w && windows.size >= maxKeys) {
          // Drop expired windows first; if none expired, the oldest insertion goes.
          for (const [k, v] of windows) if (now - v.start >= windowMs) windows.delete(k);
          if (windows.size >= maxKeys) {
            const oldest = windows.keys().next();
            if (!oldest.done) windows.delete(oldest.value);
          }
        }
        w = { start: now, count: 0 };
        windows.set(key, w);
      }
      w.count += 1;
      return w.count <= limitPerWindow;
    },
  };
}
