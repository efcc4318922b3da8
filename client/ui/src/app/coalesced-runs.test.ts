import { describe, expect, it } from 'vitest';
import { coalescedRuns } from './coalesced-runs';

/** A task whose runs are counted and each held until released. */
function heldTask() {
  const releases: (() => void)[] = [];
  let started = 0;
  const task = () =>
    new Promise<void>((resolve) => {
      started += 1;
      releases.push(resolve);
    });
  const releaseNext = async () => {
    releases.shift()?.();
    // let the loop see the end of the run and start the next one
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { task, releaseNext, started: () => started };
}

describe('coalescedRuns', () => {
  it('runs once more after the current run when asked while it runs (a view must not keep data read before a change)', async () => {
    const held = heldTask();
    const request = coalescedRuns(held.task);
    request();
    expect(held.started()).toBe(1);
    request();
    expect(held.started()).toBe(1);
    await held.releaseNext();
    expect(held.started()).toBe(2);
    await held.releaseNext();
    expect(held.started()).toBe(2);
  });

  it('makes one more run of many requests made during a run', async () => {
    const held = heldTask();
    const request = coalescedRuns(held.task);
    request();
    request();
    request();
    request();
    await held.releaseNext();
    await held.releaseNext();
    expect(held.started()).toBe(2);
    request();
    expect(held.started()).toBe(3);
  });
});

describe('coalescedRuns after a failure', () => {
  it('runs again on the next request when a run threw', async () => {
    let runs = 0;
    const request = coalescedRuns(async () => {
      runs += 1;
      if (runs === 1) throw new Error('the agent did not answer');
    });
    request();
    await new Promise((resolve) => setImmediate(resolve));
    request();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toBe(2);
  });
});
