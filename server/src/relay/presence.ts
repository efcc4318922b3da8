/**
 * `presence`: the same admission as stored envelopes (a presence envelope is still signed
 * and sealed under the current epoch), then fan-out only: presence is never stored and
 * never logged when accepted. Heartbeats (docs/design.md §12) travel the same way: each
 * device's latest one matters only to whoever is connected now, so the server keeps none.
 */
import { envelopeBytes } from '@yhteispoyta/crypto/protocol';
import type { EmptyResult, PresenceRequest } from '@yhteispoyta/crypto/protocol';
import type { ChainReader } from '../services/chain-cache';
import { admitEnvelope } from './admission';
import type { RelayConnection } from './connection';
import { toWorkspaceButSender } from './fan-out';
import type { RelayOutcome } from './fan-out';

/** `presence`. Throws ProtocolError. */
export async function presence(deps: ChainReader, connection: RelayConnection, request: PresenceRequest): Promise<RelayOutcome<EmptyResult>> {
  const { header } = await admitEnvelope(deps, connection.device, request.envelope, ['presence', 'heartbeat']);
  const { workspaceId } = header;
  return { result: {}, fanOut: [toWorkspaceButSender(workspaceId, { event: 'presence', payload: { workspaceId, envelope: envelopeBytes(request.envelope) } })] };
}
