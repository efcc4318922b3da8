/**
 * `push`: an update, chat or records envelope is admitted, appended to its stream under the clock
 * rule (exactly last + 1 per author and stream, crypto's stream-rules) and the snapshot
 * reference, fanned out to the workspace's room as soon as the store accepted it (while
 * its commit runs), and acknowledged with its seq once durable.
 */
import { envelopeBytes, ProtocolError } from '@yhteispoyta/crypto/protocol';
import type { PushRequest, StoredResult } from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { Needs } from '../context';
import type { AppendEnvelopeResult } from '../store/port';
import { admitEnvelope } from './admission';
import type { RelayConnection } from './connection';
import { toWorkspaceButSender } from './fan-out';
import type { RelayOutcome } from './fan-out';

function envelopeRefusal(result: Extract<AppendEnvelopeResult, { ok: false }>): ProtocolError {
  switch (result.code) {
    case 'clock_gap':
      return new ProtocolError('clock_gap', 'the clock skips values: send the missing envelopes first', { expected: result.expected });
    case 'clock_replay':
      return new ProtocolError('clock_replay', 'this clock was already used', { expected: result.expected });
    case 'stale_snapshot':
      return new ProtocolError('stale_snapshot', 'the envelope does not build on the active snapshot', {
        activeSnapshotId: result.activeSnapshotId,
      });
  }
}

/**
 * `push`. The store enforces the clock and the snapshot reference atomically; its
 * refusals become clock_gap / clock_replay (`details.expected`) and stale_snapshot
 * (`details.activeSnapshotId`). Throws ProtocolError; stores nothing on any failure.
 */
export async function push(
  deps: Needs<'workspaces' | 'directory' | 'envelopes', 'now'>,
  connection: RelayConnection,
  request: PushRequest,
): Promise<RelayOutcome<StoredResult>> {
  const { envelope } = request;
  const { header } = await admitEnvelope(deps, connection.device, envelope, ['update', 'chat', 'records']);
  // admitEnvelope only lets these three kinds through; the narrowing is for the compiler.
  const kind = header.kind === 'chat' || header.kind === 'records' ? header.kind : 'update';
  const receivedAt = deps.now();
  const { workspaceId, stream } = header;
  // The bytes it arrived as serve the store and the fan-out (the wire carries the same blob).
  const bytes = envelopeBytes(envelope);
  // The fan-out goes as soon as the store accepted the envelope, concurrently with its
  // commit; the ack (this function's result) waits for the commit (docs/design.md, hot path).
  const fanOut = (seq: number): void =>
    connection.fanOutNow([toWorkspaceButSender(workspaceId, { event: 'envelope', payload: { workspaceId, stream, stored: { seq, envelope: bytes, receivedAt } } })]);
  const appending = deps.store.envelopes.appendEnvelope(
    {
      workspaceId,
      stream,
      kind,
      authorKey: deviceKey(header.author),
      clock: header.clock,
      snapshotId: header.snapshotId,
      epoch: header.epoch,
      bytes,
      receivedAt,
    },
    fanOut,
    connection.releaseFanOut,
  );
  // The store judges appends in call order: this socket's next push may go in behind it.
  connection.ordered();
  const appended = await appending;
  if (!appended.ok) throw envelopeRefusal(appended);
  return { result: { seq: appended.seq }, fanOut: [] };
}
