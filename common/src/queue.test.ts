import { describe, expect, it } from 'vitest';
import { KeyedQueue, QueueFullError, SerialQueue } from './queue';

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

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
      return name;
    },
    open: () => open(),
  };
}

describe('SerialQueue', () => {
  it('runs tasks one at a time, in order, passing results and errors through', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const first = queue.run(a.task);
    const failing = queue.run(() => {
      log.push('fail');
      throw new Error('boom');
    });
    const second = queue.run(b.task);
    const sync = queue.run(() => 42);
    b.open();
    await tick();
    expect(log).toEqual(['start a']);
    expect(queue.pending).toBe(4);
    a.open();
    expect(await first).toBe('a');
    await expect(failing).rejects.toThrow('boom');
    expect(await second).toBe('b');
    expect(await sync).toBe(42);
    expect(log).toEqual(['start a', 'end a', 'fail', 'start b', 'end b']);
    await queue.idle();
    expect(queue.pending).toBe(0);
  });

  it('refuses beyond its bound (run rejects, tryRun answers false) and accepts again once drained', async () => {
    const log: string[] = [];
    const queue = new SerialQueue({ maxPending: 2 });
    const first = gate(log, 'a');
    const second = gate(log, 'b');
    expect(queue.tryRun(first.task)).toBe(true);
    expect(queue.tryRun(second.task)).toBe(true);
    expect(queue.full).toBe(true);
    expect(queue.tryRun(async () => void log.push('c'))).toBe(false);
    await expect(queue.run(async () => void log.push('c'))).rejects.toBeInstanceOf(QueueFullError);
    second.open();
    await tick();
    expect(log).toEqual(['start a']);
    first.open();
    await queue.idle();
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(queue.tryRun(async () => void log.push('d'))).toBe(true);
    await queue.idle();
    expect(log.at(-1)).toBe('d');
  });

  it('tryRun keeps going after a task fails, and drops its rejection', async () => {
    const queue = new SerialQueue({ maxPending: 4 });
    const ran: number[] = [];
    queue.tryRun(async () => {
      throw new Error('boom');
    });
    queue.tryRun(() => void ran.push(2));
    await queue.idle();
    expect(ran).toEqual([2]);
  });

  it('refuses a bound below one', () => {
    expect(() => new SerialQueue({ maxPending: 0 })).toThrow(RangeError);
  });
});

describe('KeyedQueue', () => {
  it('runs tasks of one key one after another, other keys alongside, and survives failures', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const task = (name: string, fail = false) => async () => {
      log.push(`${name}:start`);
      await tick();
      log.push(`${name}:end`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([queue.run('a', task('a1', true)), queue.run('a', task('a2')), queue.run('b', task('b1'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(log.indexOf('a2:start')).toBeGreaterThan(log.indexOf('a1:end'));
    expect(log.indexOf('b1:start')).toBeLessThan(log.indexOf('a1:end'));
  });

  it('forgets a key once its lane is empty, and idle waits for every key', async () => {
    const queue = new KeyedQueue<number>();
    const log: string[] = [];
    const a = gate(log, 'a');
    void queue.run(1, a.task);
    void queue.run(2, () => log.push('two'));
    expect(queue.size).toBe(2);
    let idle = false;
    const waiting = queue.idle().then(() => (idle = true));
    await tick();
    expect(queue.size).toBe(1);
    expect(idle).toBe(false);
    a.open();
    await waiting;
    expect(queue.size).toBe(0);
    expect(log).toEqual(['start a', 'two', 'end a']);
  });

  it('bounds each key separately', async () => {
    const queue = new KeyedQueue({ maxPending: 1 });
    const log: string[] = [];
    const a = gate(log, 'a');
    expect(queue.tryRun('x', a.task)).toBe(true);
    expect(queue.tryRun('x', () => log.push('refused'))).toBe(false);
    expect(queue.tryRun('y', () => log.push('y'))).toBe(true);
    a.open();
    await queue.idle();
    expect(log).toEqual(['start a', 'y', 'end a']);
  });
});
