/**
 * The faults the hostile relay can be armed with, and the handle a test holds on an
 * armed fault: how often it acted and what it captured. Every fault names its victim by
 * relay door (one door per agent).
 */
import type { PrivateKey } from '@signalapp/libsignal-client';
import type { StoredEnvelope } from '@yhteispoyta/crypto/protocol';
import type { ClaimedBundle, DeviceRef, EnvelopeHeader, EnvelopeKind, MailboxItem, MembershipEvent, WireEnvelope } from '@yhteispoyta/crypto/types';
import type { SignedTreeHead } from '@yhteispoyta/crypto/transparency/tree-head';
import type { EnvelopePart } from './envelope-tamper';

/** Which envelopes an envelope fault picks: every given field must match. */
export interface EnvelopeSelector {
  readonly workspaceId?: string;
  readonly stream?: string;
  /** the author's userId */
  readonly author?: string;
  readonly kind?: EnvelopeKind;
}

/** What happens to the envelope an envelope fault picked. */
export type EnvelopeAction =
  | { readonly action: 'drop' }
  | { readonly action: 'flip'; readonly part: EnvelopePart }
  | { readonly action: 'truncate' }
  /** signed again by `signer`; with `author`, the header names that device */
  | { readonly action: 'resign'; readonly signer: PrivateKey; readonly author?: DeviceRef };

/**
 * The operator's other transparency log (signed with the real log key): what the victim of
 * a `forged_log` fault is shown instead of the real one.
 */
export interface ForgedLog {
  readonly head: SignedTreeHead;
  /** hex inclusion proof of leaf `index` in the forged head */
  inclusion(index: number): string[];
  /** hex consistency proof from size `from` to the forged head */
  consistency(from: number): string[];
  /** its entries where they differ from the real log's (certificates the operator made up) */
  readonly entries: ReadonlyMap<number, unknown>;
}

/** A fault the relay applies while it is armed. */
export type FaultSpec =
  /**
   * The first envelope matching `select` that travels to the victim (live, in a join or a
   * fetch answer) is picked; that envelope suffers `action` on every delivery to the
   * victim until the fault is disarmed.
   */
  | { readonly type: 'envelope'; readonly victim: string; readonly select: EnvelopeSelector; readonly do: EnvelopeAction }
  /**
   * the victim's next push matching `select` is answered stored by the relay itself and
   * never reaches the server (a false acknowledgement); the envelope is kept in `captured`
   * and the fault disarms itself
   */
  | { readonly type: 'fake_ack'; readonly victim: string; readonly select: EnvelopeSelector }
  /** the first matching live envelope is held back and delivered right after the next matching one */
  | { readonly type: 'reorder'; readonly victim: string; readonly select: EnvelopeSelector }
  /** the victim's join answers present `snapshot` as the stream's active snapshot, with the envelopes logged on it */
  | { readonly type: 'present_snapshot'; readonly victim: string; readonly workspaceId: string; readonly stream: string; readonly snapshot: StoredEnvelope }
  /**
   * the next snapshot an agent (of `door`, or any) sends for the stream is kept and
   * answered stale_snapshot, so the server never sees it: the agent then seals another
   * on the same parent, and the relay holds an authentic fork
   */
  | { readonly type: 'capture_snapshot'; readonly door?: string; readonly workspaceId: string; readonly stream: string }
  /** every snapshot any agent sends for the stream is answered stale_snapshot, never reaching the server */
  | { readonly type: 'refuse_snapshots'; readonly door?: string; readonly workspaceId: string; readonly stream: string }
  /** membership answers to the victim carry the event the victim builds on with a changed field */
  | { readonly type: 'fork_chain'; readonly victim: string; readonly workspaceId: string }
  /** membership answers to the victim end before `fromSeq`; listings, joins and notices agree */
  | { readonly type: 'truncate_chain'; readonly victim: string; readonly workspaceId: string; readonly fromSeq: number }
  /** the `remove_member` of `userId` and everything after it are hidden from the victim; listings, joins and notices agree */
  | { readonly type: 'hide_removal'; readonly victim: string; readonly workspaceId: string; readonly userId: string }
  /** claim answers to the victim carry `bundle` in place of `target`'s bundle */
  | { readonly type: 'swap_bundle'; readonly victim: string; readonly target: DeviceRef; readonly bundle: ClaimedBundle }
  /** the victim's next mailbox answer also carries `item` */
  | { readonly type: 'inject_mailbox'; readonly victim: string; readonly item: MailboxItem }
  /**
   * the victim's enrolment request reaches the server with `substitute(body)` in its place:
   * the operator's own keys under the victim's code (the proof cannot be made anew)
   */
  | { readonly type: 'substitute_enrolment'; readonly victim: string; readonly substitute: (body: Record<string, unknown>) => Record<string, unknown> }
  /** directory answers to the victim list `user` (of another organisation) among `orgId`'s people, under that organisation */
  | { readonly type: 'relabel_directory'; readonly victim: string; readonly orgId: string; readonly user: { userId: string; displayName: string; role: string } }
  /** the victim's transparency-log answers (heads, consistency proofs, the proofs of certificate bundles) come from `log` */
  | { readonly type: 'forged_log'; readonly victim: string; readonly log: ForgedLog }
  /** certificate bundles to the victim carry no inclusion proof (`drop`) or a wrong one (`flip`) for the certificates naming `userId` */
  | { readonly type: 'unprove_certificates'; readonly victim: string; readonly userId: string; readonly how: 'drop' | 'flip' }
  /** certificate bundles to the victim leave out every certificate of these types (and its inclusion proof) */
  | { readonly type: 'withhold_certificates'; readonly victim: string; readonly types: readonly string[] }
  /** membership answers to the victim carry every event `select` picks changed by `alter` (signature left as it was) */
  | {
      readonly type: 'alter_chain_event';
      readonly victim: string;
      readonly workspaceId: string;
      readonly select: (event: MembershipEvent) => boolean;
      readonly alter: (event: MembershipEvent) => unknown;
    }
  /**
   * membership answers to the victim that end just before `event.seq` also carry `event` (one
   * the operator made or a device signed but never sent), and the victim's listings name its
   * seq as the head, so the victim fetches it
   */
  | { readonly type: 'inject_chain_event'; readonly victim: string; readonly workspaceId: string; readonly event: MembershipEvent };

/** An armed fault as the test sees it. */
export class FaultHandle {
  readonly spec: FaultSpec;
  #hits = 0;
  #armed = true;
  #onHit: (() => void) | undefined;
  readonly #firstHit: Promise<void>;
  /** the envelope an `envelope` fault picked (its envelopeId) */
  target: string | undefined;
  /** what a `capture_snapshot` fault kept */
  captured: { readonly envelope: WireEnvelope; readonly header: EnvelopeHeader } | undefined;

  constructor(spec: FaultSpec) {
    this.spec = spec;
    this.#firstHit = new Promise((resolve) => {
      this.#onHit = resolve;
    });
  }

  /** How many times the fault changed what an agent received. */
  get hits(): number {
    return this.#hits;
  }

  /** Whether the relay still applies it. */
  get armed(): boolean {
    return this.#armed;
  }

  /** Resolves when the fault first acted; rejects after `ms`. */
  async hit(ms = 20_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`fault ${this.spec.type} never acted within ${ms} ms`)), ms);
    });
    try {
      await Promise.race([this.#firstHit, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Count one action (the relay calls this). */
  count(): void {
    this.#hits += 1;
    this.#onHit?.();
  }

  /** Stop applying the fault (the relay calls this). */
  disarm(): void {
    this.#armed = false;
  }
}
