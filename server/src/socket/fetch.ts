/**
 * `fetch`: a page of one stream's stored envelopes after a seq, for members only.
 */
import { fetchRequestSchema } from '@yhteispoyta/crypto/protocol';
import type { FetchRequest, FetchResult } from '@yhteispoyta/crypto/protocol';
import { recordAudit } from '../services/audit';
import { toWireStored } from '../services/envelopes';
import type { EventDefinition } from './event-dispatch';
import { requireMemberDevice } from './membership-guard';

/** Two short ids and two integers: 1 KiB is ample. */
export const FETCH_PAYLOAD_BYTES = 1024;

/** `fetch`: envelopes with seq > afterSeq, oldest first, at most `limit` (≤ MAX_FETCH_LIMIT). Audited as `fetch`. */
export const fetchEvent: EventDefinition<FetchRequest, FetchResult> = {
  name: 'fetch',
  request: fetchRequestSchema,
  maxPayloadBytes: FETCH_PAYLOAD_BYTES,
  async handle(call, request) {
    const { ctx } = call.relay;
    call.workspaceId = request.workspaceId;
    await requireMemberDevice(call, request.workspaceId);
    const stored = await ctx.store.envelopes.envelopesAfter(request.workspaceId, request.stream, request.afterSeq, request.limit);
    const envelopes = stored.map(toWireStored);
    await recordAudit(ctx, {
      actor: call.device,
      action: 'fetch',
      workspaceId: request.workspaceId,
      detail: { stream: request.stream, afterSeq: String(request.afterSeq), count: String(envelopes.length) },
    });
    return { result: { envelopes } };
  },
};
