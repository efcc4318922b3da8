/**
 * Everything genuine the relay saw pass: stored envelopes from notices, join and fetch
 * answers and acknowledged pushes, by workspace and stream. Tests pick old envelopes
 * from it to replay and old snapshots to present as current.
 */
import { decodeHeader } from '@yhteispoyta/crypto/header';
import type { StoredEnvelope } from '@yhteispoyta/crypto/protocol';
import type { EnvelopeHeader } from '@yhteispoyta/crypto/types';
import { copyEnvelope } from './envelope-tamper';

/** A logged envelope with its decoded header. */
export interface LoggedEnvelope {
  readonly workspaceId: string;
  readonly stream: string;
  readonly stored: StoredEnvelope;
  readonly header: EnvelopeHeader;
}

const streamKey = (workspaceId: string, stream: string): string => `${workspaceId}\u0000${stream}`;

/**
 * A stored envelope the relay parsed from the traffic (the protocol's schemas decoded its
 * blob), copied, with its decoded header; undefined when the header does not decode.
 */
export function parseStored(value: StoredEnvelope): { stored: StoredEnvelope; header: EnvelopeHeader } | undefined {
  const decoded = decodeHeader(value.envelope.header);
  if (!decoded.ok) return undefined;
  return { stored: { seq: value.seq, envelope: copyEnvelope(value.envelope), receivedAt: value.receivedAt }, header: decoded.header };
}

/** Stored envelopes by stream, each seq once. */
export class EnvelopeLog {
  readonly #streams = new Map<string, Map<number, LoggedEnvelope>>();
  readonly #maxSeq = new Map<string, number>();

  /** Remember a stored envelope (one whose header does not decode is ignored). */
  record(workspaceId: string, stream: string, value: StoredEnvelope): void {
    const parsed = parseStored(value);
    if (parsed === undefined) return;
    const key = streamKey(workspaceId, stream);
    let entries = this.#streams.get(key);
    if (entries === undefined) {
      entries = new Map();
      this.#streams.set(key, entries);
    }
    if (!entries.has(parsed.stored.seq)) entries.set(parsed.stored.seq, { workspaceId, stream, ...parsed });
    this.#maxSeq.set(workspaceId, Math.max(this.#maxSeq.get(workspaceId) ?? 0, parsed.stored.seq));
  }

  /** The envelopes of a stream, oldest first, optionally only those `keep` accepts. */
  entries(workspaceId: string, stream: string, keep: (entry: LoggedEnvelope) => boolean = () => true): LoggedEnvelope[] {
    const entries = [...(this.#streams.get(streamKey(workspaceId, stream))?.values() ?? [])];
    return entries.filter(keep).sort((a, b) => a.stored.seq - b.stored.seq);
  }

  /** The snapshots of a stream, oldest first. */
  snapshots(workspaceId: string, stream: string): LoggedEnvelope[] {
    return this.entries(workspaceId, stream, (e) => e.header.kind === 'snapshot');
  }

  /** The highest seq seen in a workspace (0 for none). */
  maxSeq(workspaceId: string): number {
    return this.#maxSeq.get(workspaceId) ?? 0;
  }
}
