/**
 * How big each measurement is: the full bench (fits in 10 minutes on the 2-core machine)
 * and `--quick` (tiny sizes: the smoke test checks that the code runs and the report
 * has every row, not what the numbers are).
 */

/** Every size the bench uses. */
export interface BenchSizes {
  readonly propagation: {
    /** concurrent workspaces of each run */
    readonly scales: readonly number[];
    readonly clientsPerWorkspace: number;
    /** workspaces each load-generating process drives (fleet.ts) */
    readonly workspacesPerProcess: number;
    readonly durationMs: number;
    readonly drainMs: number;
    /**
     * an untimed replay of other traces before each system's timed run at each scale (0:
     * none): agents and clients in use run for hours, so the first edits a process ever
     * handles (its code not yet compiled by V8) are not what the table is about
     */
    readonly warmUpMs: number;
    /**
     * timed runs of every system at each scale, the systems in turn in every round, their
     * samples pooled per system: the shared machine's load changes from minute to minute,
     * and one run's figures moved by up to 2× between bench runs
     */
    readonly rounds: number;
    /** typing clients in the agent-process run (one workspace) */
    readonly processClients: number;
    /** workspaces of the merge-window sweep, the windows tried, each run's length, and how many rounds of all windows */
    readonly sweepScale: number;
    readonly mergeWindows: readonly number[];
    readonly sweepDurationMs: number;
    readonly sweepRounds: number;
    /** single edits timed hop by hop */
    readonly hopSamples: number;
  };
  readonly open: {
    readonly edits: number;
    readonly thresholds: readonly number[];
    readonly coldTrials: number;
  };
  readonly throughput: {
    readonly payloads: readonly number[];
    /** runs of each system per payload, alternating; the best counts (the machine is shared) */
    readonly rounds: number;
    readonly workspaces: number;
    readonly receivers: number;
    readonly warmupMs: number;
    readonly windowMs: number;
    readonly ypUpdatesPerSender: number;
    readonly baselineUpdatesPerSender: number;
  };
  readonly memory: { readonly devices: number; readonly perWorkspace: number };
  /** the transparency log: certificates in it, and how many proofs are timed */
  readonly transparency: { readonly leaves: number; readonly samples: number };
}

/** The full bench. */
export const FULL_SIZES: BenchSizes = {
  propagation: {
    scales: [1, 10, 50],
    clientsPerWorkspace: 5,
    workspacesPerProcess: 5,
    durationMs: 12_000,
    drainMs: 10_000,
    warmUpMs: 3_000,
    rounds: 2,
    processClients: 5,
    sweepScale: 1,
    mergeWindows: [0, 10, 50],
    sweepDurationMs: 8_000,
    sweepRounds: 2,
    hopSamples: 20,
  },
  open: { edits: 10_000, thresholds: [25, 50, 200], coldTrials: 3 },
  throughput: {
    payloads: [64, 2048],
    rounds: 2,
    workspaces: 4,
    receivers: 4,
    warmupMs: 800,
    windowMs: 2500,
    // enough for over twice the rates measured so far (4 474/s over 4 senders; 16 943/s for the stock relay)
    ypUpdatesPerSender: 10_000,
    baselineUpdatesPerSender: 30_000,
  },
  memory: { devices: 500, perWorkspace: 5 },
  transparency: { leaves: 10_000, samples: 500 },
};

/** `--quick`: every code path, tiny sizes. */
export const QUICK_SIZES: BenchSizes = {
  propagation: {
    scales: [1, 2],
    clientsPerWorkspace: 3,
    workspacesPerProcess: 1,
    durationMs: 2_000,
    drainMs: 5_000,
    warmUpMs: 0,
    rounds: 1,
    processClients: 3,
    sweepScale: 1,
    mergeWindows: [0, 50],
    sweepDurationMs: 1_500,
    sweepRounds: 1,
    hopSamples: 3,
  },
  open: { edits: 120, thresholds: [20, 50], coldTrials: 1 },
  throughput: {
    payloads: [64],
    // best of two: the regression guard judges this ratio, and one tiny run on a busy machine can stall
    rounds: 2,
    workspaces: 1,
    receivers: 2,
    warmupMs: 200,
    windowMs: 500,
    // one sender must outlast warm-up and window (0.7 s) at several thousand updates/s
    ypUpdatesPerSender: 5000,
    baselineUpdatesPerSender: 20_000,
  },
  memory: { devices: 10, perWorkspace: 5 },
  transparency: { leaves: 1_000, samples: 20 },
};
