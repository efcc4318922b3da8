/**
 * The log head carried in encrypted workspace traffic (docs/design.md §3.5): this device
 * tells the members of each workspace the newest head it verified, and judges the heads
 * they tell it — so a server that shows members different logs (a certificate one of them
 * sees and another does not) is caught by the members themselves. The carrier (the
 * heartbeat every device sends to its open workspaces) calls {@link LogHeadSource}; the
 * judgement is the witness's ({@link LogWitness.compareWithPeerHead}).
 */
import type { Logger } from 'pino';
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { RestError } from '../contracts';
import type { LogWitness } from './log-witness';

/** What a carrier of log heads needs: the head to send, and where received ones go. */
export interface LogHeadSource {
  /** the newest head this device verified, if any */
  current(): SignedTreeHead | undefined;
  /** a member's device carried this head (untrusted until judged) */
  onPeerHead(workspaceId: string, author: DeviceRef, head: SignedTreeHead): void;
}

/** This device's side of the log-head exchange. */
export class PeerLogHeads implements LogHeadSource {
  readonly #witness: Pick<LogWitness, 'current' | 'compareWithPeerHead'>;
  readonly #log: Logger;
  /** per workspace and member, the last head judged consistent (the same head again needs no second look) */
  readonly #judged = new Map<string, string>();
  /** the heads being judged now (a heartbeat repeated meanwhile is not judged twice) */
  readonly #judging = new Set<string>();
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(witness: Pick<LogWitness, 'current' | 'compareWithPeerHead'>, log: Logger) {
    this.#witness = witness;
    this.#log = log;
  }

  current(): SignedTreeHead | undefined {
    return this.#witness.current();
  }

  onPeerHead(workspaceId: string, author: DeviceRef, head: SignedTreeHead): void {
    const who = `${workspaceId}\u0000${deviceKey(author)}`;
    const what = `${head.treeSize}:${head.rootHash}`;
    if (this.#judged.get(who) === what || this.#judging.has(`${who}\u0000${what}`)) return;
    this.#judging.add(`${who}\u0000${what}`);
    const work = this.#witness
      .compareWithPeerHead(head, { workspaceId, device: author })
      .then((verdict) => {
        if (verdict.kind === 'consistent') this.#judged.set(who, what);
        else if (verdict.kind === 'unverifiable') this.#log.info({ workspaceId, detail: verdict.detail }, "a member's log head could not be judged");
      })
      .catch((error: unknown) => {
        // Unreachable server: the member's next heartbeat carries the head again.
        if (error instanceof RestError && error.code === 'offline') return;
        this.#log.warn({ workspaceId, code: error instanceof RestError ? error.code : 'error' }, "judging a member's log head failed");
      })
      .finally(() => this.#judging.delete(`${who}\u0000${what}`));
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work));
  }

  /** Until every judgement under way is done (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}
