/**
 * For every client socket event, the payload a device sends to act on workspace W:
 * otherwise valid (envelopes sealed and signed by the sending device under W's current
 * epoch, with the clock and snapshot fields the server expects from a legitimate member),
 * so that a refusal can only come from who is asking.
 */
import { envelopeFrame } from '@yhteispoyta/crypto/protocol';
import type { ClientToServerEventName } from '@yhteispoyta/crypto/protocol';
import type { WireEnvelope } from '@yhteispoyta/crypto/types';
import type { TestDevice } from '@yhteispoyta/server/http/api.testkit';
import type { AuthzWorld } from './world';

let snapshotStreams = 0;

/** An envelope as socket.io carries it: one encoded blob. */
function wire(envelope: WireEnvelope): Buffer {
  return Buffer.from(envelopeFrame(envelope));
}

/**
 * The payload of `event` on W sent by `sender`. `accepted`: the server is expected to
 * store it, so the sender's clock moves on; a payload sent to be refused reuses the next
 * clock without taking it.
 */
export async function socketPayloadFor(event: ClientToServerEventName, world: AuthzWorld, sender: TestDevice, accepted: boolean): Promise<unknown> {
  const { W } = world;
  const clock = (stream: string): number => (accepted ? world.nextClock(sender, stream) : world.peekClock(sender, stream));
  switch (event) {
    case 'join':
      return { workspaceId: W, positions: { 'doc:plan': { snapshotId: '', afterSeq: 0 }, chat: { snapshotId: '', afterSeq: 0 } } };
    case 'leave':
      return { workspaceId: W };
    case 'fetch':
      return { workspaceId: W, stream: 'chat', afterSeq: 0, limit: 10 };
    case 'push':
      return { envelope: wire(await world.seal(sender, { kind: 'chat', clock: clock('chat') })) };
    case 'snapshot': {
      // A stream of its own: the first snapshot of an empty stream is valid from anyone allowed to write.
      snapshotStreams += 1;
      return { envelope: wire(await world.seal(sender, { kind: 'snapshot', stream: `doc:authz${snapshotStreams}` })) };
    }
    case 'presence':
      return { envelope: wire(await world.seal(sender, { kind: 'presence', clock: clock('presence') })) };
  }
}
