/**
 * One document's room: the browser connections that edit it, speaking the stock
 * y-websocket protocol (y-protocols sync and awareness) directly on the document's own
 * Y.Doc — the one the sync engine seals from and applies to. There is no second copy.
 *
 * A browser's update is applied with its connection's origin (`{ source: 'browser' }`,
 * sync/doc-origin.ts), so the documents seal it as this device's edit; every update of the
 * document goes to the room's other connections, whoever made it.
 *
 * Awareness (cursors, names): the browsers' changes go out, coalesced, as encrypted
 * presence; presence of other devices is applied under the client ids they may speak for
 * (sync/presence-ownership.ts). y-protocols' awareness drops remote states that are not
 * renewed within 30 s.
 */
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import type * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DocumentSync, ProblemSink } from '../contracts';
import { decodeAwarenessUpdate, encodeAwarenessEntries } from '../sync/awareness-entries';
import { browserOrigin, REMOTE_ORIGIN } from '../sync/doc-origin';
import type { DocOrigin } from '../sync/doc-origin';
import { PresenceOwnership } from '../sync/presence-ownership';

/** y-websocket message types. */
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
/** A connection that answers no ping within this long is closed (as y-websocket's server does). */
const PING_INTERVAL_MS = 30_000;
/** Browser awareness changes are gathered this long before one presence envelope goes out. */
const PRESENCE_COALESCE_MS = 50;
/** Largest awareness update sent as presence (the server takes 16 KiB of ciphertext). */
const MAX_PRESENCE_UPDATE_BYTES = 12 * 1024;

/** One browser connection. */
interface Connection {
  readonly socket: WebSocket;
  /** the origin of this connection's document updates */
  readonly origin: DocOrigin;
  /** the awareness client ids this connection announced */
  readonly clients: Set<number>;
  readonly pingTimer: NodeJS.Timeout;
  alive: boolean;
}

type AwarenessChanges = { added: number[]; updated: number[]; removed: number[] };

/** The browser connections of one document stream. */
export class YjsRoom {
  readonly #doc: Y.Doc;
  readonly #awareness: awarenessProtocol.Awareness;
  readonly #connections = new Map<WebSocket, Connection>();
  readonly #ownership = new PresenceOwnership();
  /** browser clients whose awareness changed and is not sent as presence yet */
  readonly #outgoing = new Set<number>();
  #presenceTimer: NodeJS.Timeout | undefined;
  readonly #detach: () => void;
  #disposed = false;

  constructor(
    readonly workspaceId: string,
    readonly stream: string,
    doc: Y.Doc,
    private readonly documents: Pick<DocumentSync, 'sendPresence'>,
    private readonly problems: ProblemSink,
    private readonly log: Logger,
  ) {
    this.#doc = doc;
    this.#awareness = new awarenessProtocol.Awareness(doc);
    // The agent itself has no cursor: only its browsers and other devices do.
    this.#awareness.setLocalState(null);
    const onUpdate = (update: Uint8Array, origin: unknown): void => this.#broadcastUpdate(update, origin);
    const onAwareness = (changes: AwarenessChanges, origin: unknown): void => this.#onAwareness(changes, origin);
    doc.on('update', onUpdate);
    this.#awareness.on('update', onAwareness);
    this.#detach = () => {
      doc.off('update', onUpdate);
      this.#awareness.off('update', onAwareness);
    };
  }

  /** Whether the room was closed. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** Open browser connections. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Serve a browser connection: sync step 1 and the current awareness, then its messages. */
  attach(socket: WebSocket): void {
    if (this.#disposed) {
      socket.close(1001, 'agent session closed');
      return;
    }
    socket.binaryType = 'arraybuffer';
    const connection: Connection = {
      socket,
      origin: browserOrigin(),
      clients: new Set(),
      alive: true,
      pingTimer: setInterval(() => this.#ping(connection), PING_INTERVAL_MS),
    };
    this.#connections.set(socket, connection);
    socket.on('message', (data: RawData) => this.#receive(connection, toBytes(data)));
    socket.on('pong', () => {
      connection.alive = true;
    });
    socket.on('close', () => this.#drop(connection));
    this.#send(connection, this.#message(MESSAGE_SYNC, (encoder) => syncProtocol.writeSyncStep1(encoder, this.#doc)));
    const clients = [...this.#awareness.getStates().keys()];
    if (clients.length > 0) this.#send(connection, this.#awarenessMessage(clients));
  }

  /** Apply verified presence of another device, keeping only the client ids it may speak for. */
  applyRemotePresence(from: DeviceRef, update: Uint8Array): void {
    const entries = decodeAwarenessUpdate(update);
    if (entries === undefined) {
      this.problems.report({
        code: 'malformed',
        message: 'A presence update from another device could not be read and was ignored.',
        workspaceId: this.workspaceId,
        stream: this.stream,
        device: from,
      });
      return;
    }
    // A device speaks only for its own person: a state naming another user (his name by a caret, "typing…") is dropped.
    const own = entries.filter((entry) => claimedUserId(entry.state) === undefined || claimedUserId(entry.state) === from.userId);
    const admitted = this.#ownership.admit(from, own, this.#localClients());
    if (admitted.length < entries.length) {
      this.log.warn({ device: deviceKey(from), dropped: entries.length - admitted.length }, 'presence for client ids owned by others ignored');
    }
    if (admitted.length > 0) awarenessProtocol.applyAwarenessUpdate(this.#awareness, encodeAwarenessEntries(admitted), REMOTE_ORIGIN);
  }

  /** Close every browser connection; the document stays open for the sync engine. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#sendPresenceNow();
    this.#detach();
    for (const connection of [...this.#connections.values()]) {
      clearInterval(connection.pingTimer);
      connection.socket.close(1001, 'agent session closed');
    }
    this.#connections.clear();
    this.#awareness.destroy();
  }

  #receive(connection: Connection, message: Uint8Array): void {
    try {
      const decoder = decoding.createDecoder(message);
      const type = decoding.readVarUint(decoder);
      if (type === MESSAGE_SYNC) {
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, MESSAGE_SYNC);
        syncProtocol.readSyncMessage(decoder, encoder, this.#doc, connection.origin, (error) => this.#failed('a browser update', error));
        // Only the message type was written: nothing to answer.
        if (encoding.length(encoder) > 1) this.#send(connection, encoding.toUint8Array(encoder));
      } else if (type === MESSAGE_AWARENESS) {
        awarenessProtocol.applyAwarenessUpdate(this.#awareness, decoding.readVarUint8Array(decoder), connection);
      }
    } catch (error) {
      this.#failed('a browser message', error);
    }
  }

  /** Every update of the document goes to the connections that did not send it. */
  #broadcastUpdate(update: Uint8Array, origin: unknown): void {
    const message = this.#message(MESSAGE_SYNC, (encoder) => syncProtocol.writeUpdate(encoder, update));
    for (const connection of this.#connections.values()) {
      if (connection.origin !== origin) this.#send(connection, message);
    }
  }

  #onAwareness({ added, updated, removed }: AwarenessChanges, origin: unknown): void {
    const changed = [...added, ...updated, ...removed];
    const connection = [...this.#connections.values()].find((c) => c === origin);
    if (connection !== undefined) {
      for (const id of added) connection.clients.add(id);
      for (const id of removed) connection.clients.delete(id);
    }
    if (changed.length > 0) {
      const message = this.#awarenessMessage(changed);
      for (const c of this.#connections.values()) this.#send(c, message);
    }
    if (origin === REMOTE_ORIGIN) {
      this.#ownership.forget(removed);
      return;
    }
    for (const id of changed) {
      if (this.#ownership.isRemote(id)) {
        // A remote state timed out here; the other device announces its own departures.
        if (removed.includes(id)) this.#ownership.forget([id]);
        continue;
      }
      this.#outgoing.add(id);
    }
    if (this.#outgoing.size > 0 && this.#presenceTimer === undefined && !this.#disposed) {
      this.#presenceTimer = setTimeout(() => this.#sendPresenceNow(), PRESENCE_COALESCE_MS);
    }
  }

  #sendPresenceNow(): void {
    clearTimeout(this.#presenceTimer);
    this.#presenceTimer = undefined;
    if (this.#outgoing.size === 0) return;
    const clients = [...this.#outgoing];
    this.#outgoing.clear();
    const update = awarenessProtocol.encodeAwarenessUpdate(this.#awareness, clients);
    if (update.byteLength > MAX_PRESENCE_UPDATE_BYTES) {
      this.log.warn({ bytes: update.byteLength }, 'awareness update too large to send as presence; dropped');
      return;
    }
    this.documents.sendPresence(this.workspaceId, this.stream, update).catch((err: unknown) => {
      this.log.debug({ err: err instanceof Error ? err.message : 'unknown' }, 'presence not sent');
    });
  }

  #localClients(): Set<number> {
    const ids = new Set<number>();
    for (const connection of this.#connections.values()) for (const id of connection.clients) ids.add(id);
    return ids;
  }

  #ping(connection: Connection): void {
    if (!connection.alive) {
      connection.socket.terminate();
      this.#drop(connection);
      return;
    }
    connection.alive = false;
    try {
      connection.socket.ping();
    } catch {
      this.#drop(connection);
    }
  }

  #send(connection: Connection, message: Uint8Array): void {
    const { socket } = connection;
    if (socket.readyState !== socket.CONNECTING && socket.readyState !== socket.OPEN) {
      this.#drop(connection);
      return;
    }
    try {
      socket.send(message, (error) => {
        if (error !== undefined && error !== null) this.#drop(connection);
      });
    } catch {
      this.#drop(connection);
    }
  }

  /** A connection ended: its awareness clients leave (which is sent as presence), and its socket is closed. */
  #drop(connection: Connection): void {
    if (this.#connections.get(connection.socket) !== connection) return;
    this.#connections.delete(connection.socket);
    clearInterval(connection.pingTimer);
    awarenessProtocol.removeAwarenessStates(this.#awareness, [...connection.clients], null);
    connection.socket.close();
  }

  #message(type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, type);
    write(encoder);
    return encoding.toUint8Array(encoder);
  }

  #awarenessMessage(clients: readonly number[]): Uint8Array {
    const update = awarenessProtocol.encodeAwarenessUpdate(this.#awareness, [...clients]);
    return this.#message(MESSAGE_AWARENESS, (encoder) => encoding.writeVarUint8Array(encoder, update));
  }

  #failed(what: string, error: unknown): void {
    this.log.warn({ err: error instanceof Error ? error.message : 'unknown' }, `${what} could not be applied`);
  }
}

/** The bytes of a WebSocket message (an ArrayBuffer with binaryType 'arraybuffer'). */
function toBytes(data: RawData): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The `user.userId` an awareness state claims, if any. */
function claimedUserId(state: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(state);
    const user: unknown = typeof parsed === 'object' && parsed !== null ? (parsed as { user?: unknown }).user : undefined;
    const userId: unknown = typeof user === 'object' && user !== null ? (user as { userId?: unknown }).userId : undefined;
    return typeof userId === 'string' ? userId : undefined;
  } catch {
    return undefined;
  }
}
