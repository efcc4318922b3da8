import { describe, expect, it } from 'vitest';
import { createSerialQueue } from './serial-queue';

/** A task that finishes when told to, recording when it started and ended. */
function gate(log: string[], name: string) {
  let open = (): void => undefined;
  const done = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    task: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
    },
    open: () => open(),
  };
}

describe('createSerialQueue', () => {
  it('runs tasks one at a time in order, and refuses beyond its bound', async () => {
    const log: string[] = [];
    const queue = createSerialQueue(2);
    const first = gate(log, 'a');
    const second = gate(log, 'b');
    expect(queue.tryRun(first.task)).toBe(true);
    expect(queue.tryRun(second.task)).toBe(true);
    expect(queue.tryRun(async () => void log.push('c'))).toBe(false);
    await Promise.resolve();
    second.open();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(log).toEqual(['start a']);
    first.open();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(queue.tryRun(async () => void log.push('d'))).toBe(true);
  });

  it('keeps going after a task fails', async () => {
    const queue = createSerialQueue(4);
    const ran: number[] = [];
    queue.tryRun(async () => {
      throw new Error('boom');
    });
    const later = new Promise<void>((resolve) => queue.tryRun(async () => void resolve(void ran.push(2))));
    await later;
    expect(ran).toEqual([2]);
  });
});
