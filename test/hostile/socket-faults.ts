/**
 * The armed faults applied to socket.io traffic: envelopes in live notices and in join
 * and fetch answers (drop, tamper, re-sign, hold back), snapshots presented in join
 * answers, snapshots captured from an agent, and membership heads cut from join answers
 * and notices. Genuine traffic is logged before any fault touches it. Envelopes travel as
 * encoded blobs: the hooks parse them into WireEnvelopes and encode what they send on,
 * forgeries included.
 */
import { decodeHeader } from '@yhteispoyta/crypto/header';
import {
  envelopeFrame,
  envelopeNoticeSchema,
  fetchAckSchema,
  fetchRequestSchema,
  joinAckSchema,
  joinRequestSchema,
  membershipNoticeSchema,
  pushAckSchema,
  pushRequestSchema,
} from '@yhteispoyta/crypto/protocol';
import type { ClientToServerEventName, ServerToClientEventName, StoredEnvelope, StoredEnvelopeFrame, StreamCatchUpFrame } from '@yhteispoyta/crypto/protocol';
import type { EnvelopeHeader, WireEnvelope } from '@yhteispoyta/crypto/types';
import { parseStored } from './envelope-log';
import { envelopeId, flipBit, resign, truncateCiphertext } from './envelope-tamper';
import type { FaultBoard } from './fault-board';
import type { EnvelopeSelector, FaultHandle } from './faults';
import type { RequestDecision, SocketHooks } from './relay/socket-bridge';

/** Whether a header in (workspaceId, stream) matches a selector. */
function selects(select: EnvelopeSelector, workspaceId: string, stream: string, header: EnvelopeHeader): boolean {
  return (
    (select.workspaceId === undefined || select.workspaceId === workspaceId) &&
    (select.stream === undefined || select.stream === stream) &&
    (select.author === undefined || select.author === header.author.userId) &&
    (select.kind === undefined || select.kind === header.kind)
  );
}

/** A stored envelope as the relay sends it on: its envelope encoded. */
function framed(stored: StoredEnvelope): StoredEnvelopeFrame {
  return { ...stored, envelope: envelopeFrame(stored.envelope) };
}

/** Socket hooks over a fault board, plus the notices a reorder fault still holds. */
export interface SocketFaults extends SocketHooks {
  /** Take the notices held back by a reorder fault (when it is disarmed before it completed). */
  takeHeld(handle: FaultHandle): unknown[];
}

/** The socket hooks of a relay whose faults live on `board`. */
export function socketFaults(board: FaultBoard): SocketFaults {
  const held = new Map<FaultHandle, unknown>();
  // A server that stored a forgery serves the same bytes every time (signatures are randomised).
  const forged = new Map<FaultHandle, WireEnvelope>();

  /** The stored envelope as the victim receives it: altered, or undefined when dropped. */
  const alter = (door: string, workspaceId: string, stream: string, stored: StoredEnvelope): StoredEnvelope | undefined => {
    const parsed = parseStored(stored);
    if (parsed === undefined) return stored;
    const id = envelopeId(parsed.stored.envelope);
    let out: StoredEnvelope | undefined = stored;
    for (const h of board.armed('envelope', door)) {
      if (h.target === undefined && selects(h.spec.select, workspaceId, stream, parsed.header)) {
        h.target = id;
      }
      if (h.target !== id || out === undefined) continue;
      h.count();
      const action = h.spec.do;
      if (action.action === 'drop') {
        out = undefined;
        continue;
      }
      let envelope = forged.get(h);
      if (envelope === undefined) {
        if (action.action === 'flip') envelope = flipBit(out.envelope, action.part);
        else if (action.action === 'truncate') envelope = truncateCiphertext(out.envelope);
        else envelope = resign(out.envelope, action.signer, action.author);
        forged.set(h, envelope);
      }
      out = { ...out, envelope };
    }
    return out;
  };

  const alterAll = (door: string, workspaceId: string, stream: string, list: readonly StoredEnvelope[]): StoredEnvelopeFrame[] =>
    list.flatMap((stored) => {
      const out = alter(door, workspaceId, stream, stored);
      return out === undefined ? [] : [framed(out)];
    });

  const rewriteJoin = (door: string, request: unknown, answer: unknown): unknown => {
    const req = joinRequestSchema.safeParse(request);
    const ack = joinAckSchema.safeParse(answer);
    if (!req.success || !ack.success || !ack.data.ok) return answer;
    const workspaceId = req.data.workspaceId;
    const streams: Record<string, StreamCatchUpFrame> = {};
    for (const [stream, catchUp] of Object.entries(ack.data.streams)) {
      if (catchUp.snapshot !== null) board.log.record(workspaceId, stream, catchUp.snapshot);
      for (const stored of catchUp.envelopes) board.log.record(workspaceId, stream, stored);
      const snapshot = catchUp.snapshot === null ? undefined : alter(door, workspaceId, stream, catchUp.snapshot);
      streams[stream] = {
        snapshot: snapshot === undefined ? null : framed(snapshot),
        envelopes: alterAll(door, workspaceId, stream, catchUp.envelopes),
      };
    }
    for (const h of board.armed('present_snapshot', door)) {
      if (h.spec.workspaceId !== workspaceId) continue;
      const snapshotHeader = decodeHeader(h.spec.snapshot.envelope.header);
      const snapshotId = snapshotHeader.ok ? snapshotHeader.header.snapshotId : '';
      const onIt = board.log.entries(workspaceId, h.spec.stream, (e) => e.header.kind !== 'snapshot' && e.header.snapshotId === snapshotId);
      streams[h.spec.stream] = { snapshot: framed(h.spec.snapshot), envelopes: onIt.map((e) => framed(e.stored)) };
      h.count();
    }
    return { ...ack.data, streams, membershipSeq: board.cutSeq(door, workspaceId, ack.data.membershipSeq) };
  };

  const rewriteFetch = (door: string, request: unknown, answer: unknown): unknown => {
    const req = fetchRequestSchema.safeParse(request);
    const ack = fetchAckSchema.safeParse(answer);
    if (!req.success || !ack.success || !ack.data.ok) return answer;
    const { workspaceId, stream } = req.data;
    for (const stored of ack.data.envelopes) board.log.record(workspaceId, stream, stored);
    // A reordering relay keeps the envelope it holds back out of fetch answers too, or the
    // victim would simply fetch it when a member's heartbeat announces it.
    const heldSeqs = new Set<number>();
    for (const h of board.armed('reorder', door)) {
      const notice = envelopeNoticeSchema.safeParse(held.get(h));
      if (notice.success && notice.data.workspaceId === workspaceId && notice.data.stream === stream) heldSeqs.add(notice.data.stored.seq);
    }
    const envelopes = ack.data.envelopes.filter((stored) => !heldSeqs.has(stored.seq));
    return { ...ack.data, envelopes: alterAll(door, workspaceId, stream, envelopes) };
  };

  /** An acknowledged push or snapshot: the sender's envelope is stored under the ack's seq. */
  const logStored = (request: unknown, answer: unknown): void => {
    const req = pushRequestSchema.safeParse(request);
    const ack = pushAckSchema.safeParse(answer);
    if (!req.success || !ack.success || !ack.data.ok) return;
    const header = decodeHeader(req.data.envelope.header);
    if (!header.ok) return;
    board.log.record(header.header.workspaceId, header.header.stream, { seq: ack.data.seq, envelope: req.data.envelope, receivedAt: Date.now() });
  };

  /** A push the relay answers stored itself while a `fake_ack` fault is armed; the server never sees it. */
  const fakeAck = (door: string, payload: unknown): RequestDecision => {
    const req = pushRequestSchema.safeParse(payload);
    const header = req.success ? decodeHeader(req.data.envelope.header) : undefined;
    if (!req.success || header === undefined || !header.ok) return { forward: payload };
    for (const h of board.armed('fake_ack', door)) {
      if (!selects(h.spec.select, header.header.workspaceId, header.header.stream, header.header)) continue;
      h.captured = { envelope: req.data.envelope, header: header.header };
      h.count();
      h.disarm();
      return { answer: { ok: true, seq: board.log.maxSeq(header.header.workspaceId) + 1000 } };
    }
    return { forward: payload };
  };

  const request = (door: string, event: ClientToServerEventName, payload: unknown): RequestDecision => {
    if (event === 'join') board.noteJoin(door, payload);
    if (event === 'push') return fakeAck(door, payload);
    if (event !== 'snapshot') return { forward: payload };
    const req = pushRequestSchema.safeParse(payload);
    if (!req.success) return { forward: payload };
    const header = decodeHeader(req.data.envelope.header);
    if (!header.ok) return { forward: payload };
    for (const h of board.armed('capture_snapshot', door)) {
      if (h.spec.workspaceId !== header.header.workspaceId || h.spec.stream !== header.header.stream) continue;
      h.captured = { envelope: req.data.envelope, header: header.header };
      h.count();
      h.disarm();
      const activeSnapshotId = header.header.parentSnapshotId ?? '';
      return { answer: { ok: false, error: { code: 'stale_snapshot', message: 'another snapshot won', details: { activeSnapshotId } } } };
    }
    for (const h of board.armed('refuse_snapshots', door)) {
      if (h.spec.workspaceId !== header.header.workspaceId || h.spec.stream !== header.header.stream) continue;
      h.count();
      const activeSnapshotId = header.header.parentSnapshotId ?? '';
      return { answer: { ok: false, error: { code: 'stale_snapshot', message: 'another snapshot won', details: { activeSnapshotId } } } };
    }
    return { forward: payload };
  };

  const answer = (door: string, event: ClientToServerEventName, req: unknown, ans: unknown): unknown => {
    switch (event) {
      case 'join':
        return rewriteJoin(door, req, ans);
      case 'fetch':
        return rewriteFetch(door, req, ans);
      case 'push':
      case 'snapshot':
        logStored(req, ans);
        return ans;
      default:
        return ans;
    }
  };

  const notice = (door: string, event: ServerToClientEventName, payload: unknown): readonly unknown[] => {
    if (event === 'membership') {
      const parsed = membershipNoticeSchema.safeParse(payload);
      if (!parsed.success) return [payload];
      return board.cutSeq(door, parsed.data.workspaceId, parsed.data.seq) < parsed.data.seq ? [] : [payload];
    }
    if (event !== 'envelope') return [payload];
    const parsed = envelopeNoticeSchema.safeParse(payload);
    if (!parsed.success) return [payload];
    const { workspaceId, stream, stored } = parsed.data;
    board.log.record(workspaceId, stream, stored);
    const out = alter(door, workspaceId, stream, stored);
    if (out === undefined) return [];
    const delivered = { workspaceId, stream, stored: framed(out) };
    const header = decodeHeader(stored.envelope.header);
    for (const h of board.armed('reorder', door)) {
      if (!header.ok || !selects(h.spec.select, workspaceId, stream, header.header)) continue;
      const first = held.get(h);
      if (first === undefined) {
        held.set(h, delivered);
        return [];
      }
      held.delete(h);
      h.count();
      h.disarm();
      return [delivered, first];
    }
    return [delivered];
  };

  return {
    request,
    answer,
    notice,
    takeHeld(handle) {
      const first = held.get(handle);
      held.delete(handle);
      return first === undefined ? [] : [first];
    },
  };
}
