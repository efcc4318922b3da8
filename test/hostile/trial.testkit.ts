/**
 * FOR TESTS: one trial of a fault — what the relay injected, whether the agents detected
 * it and whether they recovered — recorded in the fault matrix even when the trial fails
 * half-way, so a failing run still shows which step broke.
 */
import type { FaultHandle } from './faults';
import type { FaultKind, FaultMatrix } from './fault-matrix';
import type { HostileRelay } from './hostile-relay';

/** The facts a trial establishes, step by step. */
export class Trial {
  injected = 0;
  detected = false;
  recovered = false;
  readonly notes: string[] = [];

  /** Count what these faults did. */
  count(...handles: readonly FaultHandle[]): void {
    this.injected += handles.reduce((sum, h) => sum + h.hits, 0);
  }

  /** Add a note (the problem codes seen, what brought recovery). */
  note(text: string): void {
    this.notes.push(text);
  }
}

/**
 * Run one trial of `kind`: `body` arms faults and checks; whatever happens, the relay is
 * honest again afterwards and the trial is recorded.
 */
export async function runTrial(matrix: FaultMatrix, relay: HostileRelay, kind: FaultKind, body: (trial: Trial) => Promise<void>): Promise<void> {
  const trial = new Trial();
  try {
    await body(trial);
  } finally {
    relay.honest();
    matrix.record(kind, { injected: trial.injected, detected: trial.detected, recovered: trial.recovered, note: trial.notes.join('; ') });
  }
}
