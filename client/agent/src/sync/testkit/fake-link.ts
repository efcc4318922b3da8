/**
 * Test support: a ServerLink (and its RestClient's blob calls) to a {@link FakeRelay}, which
 * a test can take offline and bring back. Requests while offline fail like the real link's
 * (the error code `offline`); going online fires `onOnline` and forgets the joined rooms, as a
 * new socket would.
 */
import { concatBytes, randomBytes } from '@yhteispoyta/crypto/bytes';
import { BLOB_CHUNK_BYTES } from '@yhteispoyta/crypto/protocol';
import type { ServerToClientEvents } from '@yhteispoyta/crypto/protocol';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { LinkStatus, RestClient, ServerLink } from '../../contracts';
import { RestError } from '../../contracts';
import type { FakeRelay } from './fake-relay';

type NoticeListener = (notice: never) => void;

/** A link of one device to the fake relay. */
export class FakeLink implements ServerLink {
  readonly device: DeviceRef;
  readonly rooms = new Set<string>();
  readonly rest: RestClient;
  /** every request made, by event name (tests assert on what was sent) */
  readonly requests: { event: string; payload: unknown }[] = [];
  /** answers of this many coming requests are lost after the relay handled them (a timeout) */
  loseAcks = 0;
  readonly #relay: FakeRelay;
  readonly #notices = new Map<string, Set<NoticeListener>>();
  readonly #online = new Set<() => void>();
  readonly #offline = new Set<() => void>();
  #status: LinkStatus = 'offline';

  /** A link of `device`; use FakeRelay.connect. */
  constructor(relay: FakeRelay, device: DeviceRef) {
    this.#relay = relay;
    this.device = device;
    this.rest = new FakeBlobRest(relay);
  }

  status(): LinkStatus {
    return this.#status;
  }

  /** Take the link offline or bring it back (firing the listeners). */
  setOnline(online: boolean): void {
    if (online === (this.#status === 'online')) return;
    this.#status = online ? 'online' : 'offline';
    this.rooms.clear();
    for (const listener of online ? this.#online : this.#offline) listener();
  }

  request: ServerLink['request'] = async (event, payload) => {
    this.requests.push({ event, payload });
    if (this.#status !== 'online') {
      return { ok: false, error: { code: 'offline', message: 'not connected' } } as never;
    }
    await new Promise((resolve) => setImmediate(resolve));
    const answer = await this.#relay.handle(this, event, payload);
    if (this.loseAcks > 0) {
      this.loseAcks -= 1;
      return { ok: false, error: { code: 'offline', message: 'request timed out' } } as never;
    }
    return answer as never;
  };

  onNotice<E extends keyof ServerToClientEvents>(event: E, listener: (notice: Parameters<ServerToClientEvents[E]>[0]) => void): () => void {
    const set = this.#notices.get(event) ?? new Set<NoticeListener>();
    this.#notices.set(event, set);
    set.add(listener as NoticeListener);
    return () => set.delete(listener as NoticeListener);
  }

  /** Called by the relay to deliver a notice (dropped while offline). */
  receive(event: string, notice: unknown): void {
    if (this.#status !== 'online') return;
    for (const listener of this.#notices.get(event) ?? []) (listener as (n: unknown) => void)(notice);
  }

  onOnline(listener: () => void): () => void {
    this.#online.add(listener);
    return () => this.#online.delete(listener);
  }

  onOffline(listener: () => void): () => void {
    this.#offline.add(listener);
    return () => this.#offline.delete(listener);
  }

  async close(): Promise<void> {
    this.setOnline(false);
  }

  /** `userId.deviceId` of the link's device. */
  get key(): string {
    return deviceKey(this.device);
  }
}

/** The blob half of a RestClient over the relay's blob map; downloads arrive in uneven pieces. */
class FakeBlobRest implements RestClient {
  readonly #relay: FakeRelay;

  constructor(relay: FakeRelay) {
    this.#relay = relay;
  }

  async call(): Promise<never> {
    throw new RestError('bad_request', 'the fake relay serves blobs only');
  }

  async uploadBlob(workspaceId: string, body: AsyncIterable<Uint8Array>, size: number, onProgress?: (sent: number) => void) {
    const parts: Uint8Array[] = [];
    let sent = 0;
    for await (const part of body) {
      parts.push(part);
      sent += part.byteLength;
      onProgress?.(sent);
    }
    if (sent !== size) throw new RestError('bad_request', 'size mismatch', 400);
    const blobId = Buffer.from(randomBytes(12)).toString('base64url');
    this.#relay.blobs.set(`${workspaceId}/${blobId}`, concatBytes(...parts));
    return { blobId, size: sent };
  }

  async downloadBlob(workspaceId: string, blobId: string) {
    const blob = this.#relay.blobs.get(`${workspaceId}/${blobId}`);
    if (blob === undefined) throw new RestError('not_found', 'no such blob', 404);
    async function* chunks(): AsyncIterable<Uint8Array> {
      // Deliberately not aligned to the cipher's chunks: the reader must re-frame.
      const piece = Math.floor(BLOB_CHUNK_BYTES / 3);
      for (let at = 0; at < (blob?.byteLength ?? 0); at += piece) yield blob?.subarray(at, at + piece) ?? new Uint8Array();
    }
    return { size: blob.byteLength, chunks: chunks() };
  }
}
