/**
 * What a joining connection lacks of one stream (docs/design.md §6): for a document the
 * active snapshot when the client's is not it, then the envelopes on the active snapshot
 * after the client's position; for chat a plain page of the log; for presence nothing
 * (it is never stored). At most MAX_JOIN_ENVELOPES_PER_STREAM envelopes: a full page
 * means "fetch the rest".
 */
import { MAX_JOIN_ENVELOPES_PER_STREAM } from '@yhteispoyta/crypto/protocol';
import type { StreamCatchUpFrame, StreamPosition } from '@yhteispoyta/crypto/protocol';
import { isDocStream, PRESENCE_STREAM } from '@yhteispoyta/crypto/stream-rules';
import type { Needs } from '../context';
import { toWireStored } from './stored-wire';

const NOTHING: StreamCatchUpFrame = { snapshot: null, envelopes: [] };

async function documentCatchUp(deps: Needs<'envelopes'>, workspaceId: string, stream: string, position: StreamPosition): Promise<StreamCatchUpFrame> {
  const state = await deps.store.envelopes.latestState(workspaceId, stream);
  const activeSnapshotId = state.snapshot?.snapshotId ?? '';
  const behind = position.snapshotId !== activeSnapshotId;
  const envelopes = behind ? state.envelopes : state.envelopes.filter((e) => e.seq > position.afterSeq);
  return {
    snapshot: behind && state.snapshot !== null ? toWireStored(state.snapshot) : null,
    envelopes: envelopes.slice(0, MAX_JOIN_ENVELOPES_PER_STREAM).map(toWireStored),
  };
}

/** The catch-up of one named stream from the client's position in it. */
export async function catchUp(deps: Needs<'envelopes'>, workspaceId: string, stream: string, position: StreamPosition): Promise<StreamCatchUpFrame> {
  if (stream === PRESENCE_STREAM) return NOTHING;
  if (isDocStream(stream)) return documentCatchUp(deps, workspaceId, stream, position);
  const envelopes = await deps.store.envelopes.envelopesAfter(workspaceId, stream, position.afterSeq, MAX_JOIN_ENVELOPES_PER_STREAM);
  return { snapshot: null, envelopes: envelopes.map(toWireStored) };
}
