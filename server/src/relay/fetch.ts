/**
 * `fetch`: a page of one stream's stored envelopes after a seq, for member devices only.
 */
import type { FetchRequest, FetchResultFrame } from '@yhteispoyta/crypto/protocol';
import type { Needs } from '../context';
import { recordAudit } from '../services/audit';
import type { RelayConnection } from './connection';
import { answerOnly } from './fan-out';
import type { RelayOutcome } from './fan-out';
import { requireMemberDevice } from './member-guard';
import { toWireStored } from './stored-wire';

/** `fetch`: envelopes with seq > afterSeq, oldest first, at most `limit` (≤ MAX_FETCH_LIMIT). Audited as `fetch`. */
export async function fetch(
  deps: Needs<'workspaces' | 'directory' | 'envelopes' | 'audit', 'now'>,
  connection: RelayConnection,
  request: FetchRequest,
): Promise<RelayOutcome<FetchResultFrame>> {
  const { workspaceId, stream, afterSeq, limit } = request;
  await requireMemberDevice(deps, connection.device, workspaceId);
  const envelopes = (await deps.store.envelopes.envelopesAfter(workspaceId, stream, afterSeq, limit)).map(toWireStored);
  await recordAudit(deps, {
    actor: connection.device,
    action: 'fetch',
    workspaceId,
    detail: { stream, afterSeq: String(afterSeq), count: String(envelopes.length) },
  });
  return answerOnly({ envelopes });
}
