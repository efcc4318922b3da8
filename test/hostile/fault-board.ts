/**
 * The relay's shared state: the armed faults, the log of genuine envelopes, and what it
 * learnt of every membership chain that passed (so it can hide a removal consistently in
 * listings, join answers and notices, not only in the chain itself).
 */
import { parseMembershipEvent } from '@yhteispoyta/crypto/membership';
import { joinRequestSchema } from '@yhteispoyta/crypto/protocol';
import type { JoinRequest } from '@yhteispoyta/crypto/protocol';
import type { MembershipEvent } from '@yhteispoyta/crypto/types';
import { EnvelopeLog } from './envelope-log';
import { FaultHandle } from './faults';
import type { FaultSpec } from './faults';

/** Armed faults, the envelope log and the chain knowledge of one relay. */
export class FaultBoard {
  readonly log = new EnvelopeLog();
  readonly #handles: FaultHandle[] = [];
  readonly #chains = new Map<string, Map<number, MembershipEvent>>();
  readonly #joins = new Map<string, JoinRequest>();

  /** Arm a fault. */
  arm(spec: FaultSpec): FaultHandle {
    const handle = new FaultHandle(spec);
    this.#handles.push(handle);
    return handle;
  }

  /** The armed faults of one type aimed at `door`. */
  armed<T extends FaultSpec['type']>(type: T, door: string): (FaultHandle & { spec: Extract<FaultSpec, { type: T }> })[] {
    return this.#handles.filter(
      (h): h is FaultHandle & { spec: Extract<FaultSpec, { type: T }> } =>
        h.armed && h.spec.type === type && ('victim' in h.spec ? h.spec.victim === door : h.spec.door === undefined || h.spec.door === door),
    );
  }

  /** Every armed fault. */
  all(): FaultHandle[] {
    return this.#handles.filter((h) => h.armed);
  }

  /** Disarm one fault, or all of them. */
  disarm(handle?: FaultHandle): void {
    for (const h of handle === undefined ? this.#handles : [handle]) h.disarm();
  }

  /** Remember a join request an agent sent (its positions show which snapshot it builds on). */
  noteJoin(door: string, request: unknown): void {
    const parsed = joinRequestSchema.safeParse(request);
    if (parsed.success) this.#joins.set(`${door}\u0000${parsed.data.workspaceId}`, parsed.data);
  }

  /** The last join request of a door's agent for a workspace. */
  lastJoin(door: string, workspaceId: string): JoinRequest | undefined {
    return this.#joins.get(`${door}\u0000${workspaceId}`);
  }

  /** Remember membership events that passed (values that do not parse are ignored). */
  learnEvents(values: readonly unknown[]): void {
    for (const value of values) {
      const parsed = parseMembershipEvent(value);
      if (!parsed.ok) continue;
      let chain = this.#chains.get(parsed.event.workspaceId);
      if (chain === undefined) {
        chain = new Map();
        this.#chains.set(parsed.event.workspaceId, chain);
      }
      chain.set(parsed.event.seq, parsed.event);
    }
  }

  /** The seq of the first `remove_member` of `userId` seen in the workspace's chain. */
  removalSeq(workspaceId: string, userId: string): number | undefined {
    const events = [...(this.#chains.get(workspaceId)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
    return events.find((e) => e.type === 'remove_member' && e.payload.userId === userId)?.seq;
  }

  /**
   * The faults cutting the victim's view of a workspace's chain (a truncation or a hidden
   * removal whose event the relay has seen), each with the first seq it hides.
   */
  chainCuts(door: string, workspaceId: string): { readonly handle: FaultHandle; readonly fromSeq: number }[] {
    const cuts: { handle: FaultHandle; fromSeq: number }[] = [];
    for (const h of this.armed('truncate_chain', door)) if (h.spec.workspaceId === workspaceId) cuts.push({ handle: h, fromSeq: h.spec.fromSeq });
    for (const h of this.armed('hide_removal', door)) {
      if (h.spec.workspaceId !== workspaceId) continue;
      const seq = this.removalSeq(workspaceId, h.spec.userId);
      if (seq !== undefined) cuts.push({ handle: h, fromSeq: seq });
    }
    return cuts;
  }

  /** Apply the chain cuts to a seq the victim is told about: the lowest visible head, counting each cut that changed it. */
  cutSeq(door: string, workspaceId: string, seq: number): number {
    let out = seq;
    for (const cut of this.chainCuts(door, workspaceId)) {
      if (seq >= cut.fromSeq) {
        cut.handle.count();
        out = Math.min(out, cut.fromSeq - 1);
      }
    }
    return out;
  }
}
