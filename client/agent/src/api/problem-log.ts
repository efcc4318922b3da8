/**
 * The agent's ProblemSink: keeps the most recent problems in memory for the UI's list
 * and hands each new one to subscribers (the `/events` stream). Problems are not
 * persisted: they describe what this run of the agent saw, and the facts behind them
 * (the bad envelope, the changed key) stay where the detecting part keeps them.
 */
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { AgentProblem, NewProblem, ProblemMatch, ProblemSink } from '../contracts';

/** How many problems the log keeps; older ones are dropped first. */
const PROBLEM_LOG_CAPACITY = 500;

const MAX_MESSAGE_CHARS = 500;

/** A bounded, observable list of problems. */
export class ProblemLog implements ProblemSink {
  readonly #capacity: number;
  readonly #now: () => number;
  #problems: AgentProblem[] = [];
  readonly #listeners: Listeners<[problem: AgentProblem]>;
  readonly #resolvedListeners: Listeners<[id: string]>;

  /** `now` is injectable for tests; `onListenerError` learns of a subscriber that threw. */
  constructor(
    opts: { capacity?: number; now?: () => number; onListenerError?: (err: unknown) => void } = {},
  ) {
    this.#capacity = opts.capacity ?? PROBLEM_LOG_CAPACITY;
    this.#now = opts.now ?? Date.now;
    this.#listeners = new Listeners(opts.onListenerError ?? (() => undefined));
    this.#resolvedListeners = new Listeners(opts.onListenerError ?? (() => undefined));
  }

  /**
   * Record a problem. Never throws: it is called from deep inside verification code,
   * where an exception would turn a reported problem into a crash.
   */
  report(problem: NewProblem): void {
    const message = problem.message.length > MAX_MESSAGE_CHARS ? `${problem.message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : problem.message;
    const entry: AgentProblem = { ...problem, message, id: toHex(randomBytes(8)), at: this.#now() };
    this.#problems.push(entry);
    if (this.#problems.length > this.#capacity) this.#problems = this.#problems.slice(-this.#capacity);
    this.#listeners.emit(entry);
  }

  /** Drop the problems a resolution matches (their condition is over); listeners hear of each dropped id. */
  resolve(match: ProblemMatch): void {
    const matches = (p: AgentProblem): boolean =>
      p.code === match.code &&
      (match.workspaceId === undefined || p.workspaceId === match.workspaceId) &&
      (match.stream === undefined || p.stream === match.stream) &&
      (match.device === undefined || (p.device?.userId === match.device.userId && p.device.deviceId === match.device.deviceId));
    const gone = this.#problems.filter(matches);
    if (gone.length === 0) return;
    this.#problems = this.#problems.filter((p) => !matches(p));
    for (const problem of gone) this.#resolvedListeners.emit(problem.id);
  }

  /** Be told of every problem a resolution dropped; returns the unsubscribe function. */
  onResolved(listener: (id: string) => void): () => void {
    return this.#resolvedListeners.add(listener);
  }

  /** The kept problems, oldest first. */
  list(): AgentProblem[] {
    return [...this.#problems];
  }

  /** Forget every problem (a profile was locked: the next user must not see them). */
  clear(): void {
    this.#problems = [];
  }

  /** Be told of every new problem; returns the unsubscribe function. */
  onProblem(listener: (problem: AgentProblem) => void): () => void {
    return this.#listeners.add(listener);
  }
}
