/**
 * The y-websocket endpoint: each document stream the UI opens is a room served with
 * `@y/websocket-server`'s `setupWSConnection`, so the UI's stock `WebsocketProvider`
 * speaks its normal protocol (messageSync / messageAwareness).
 *
 * The room's WSSharedDoc is bridged both ways to the DocumentSync's Y.Doc for the
 * stream. Updates crossing the bridge carry the BRIDGE origin and each side ignores
 * updates with that origin, so nothing echoes: a browser edit reaches the DocumentSync
 * doc as a local edit (origin ≠ 'remote', so it is sealed and sent), and a verified
 * remote update reaches the WSSharedDoc, whose own handler fans it out to the browsers.
 *
 * Awareness: changes of the browsers' clients go out, coalesced, as encrypted presence
 * through `DocumentSync.sendPresence`; verified presence from other devices is applied
 * to the room's awareness under their own client ids, remembered per device so another
 * device can never overwrite a local or foreign client's state; y-protocols' awareness
 * drops remote states that are not renewed within 30 s.
 *
 * The module-global `docs` map of @y/websocket-server is shared by every agent in the
 * process, so room names carry a random per-instance prefix, and rooms are removed from
 * it when their last browser connection closes.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { WSSharedDoc, docs, setupWSConnection } from '@y/websocket-server/utils';
import { randomBytes, toHex } from '@yhteispoyta/crypto/bytes';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DocumentSync, ProblemSink } from '../contracts';

/** Origin of updates copied between the WSSharedDoc and the DocumentSync doc. */
const BRIDGE = Symbol('yjs-bridge');
/** Origin of awareness changes that came from other devices. */
const REMOTE_PRESENCE = Symbol('remote-presence');

/** Browser awareness changes are gathered this long before one presence envelope goes out. */
export const PRESENCE_COALESCE_MS = 50;
/** Largest awareness update sent as presence (the server takes 16 KiB of ciphertext). */
export const MAX_PRESENCE_UPDATE_BYTES = 12 * 1024;

/** One client's entry in an awareness update: its id, clock and JSON state. */
export interface AwarenessEntry {
  readonly clientId: number;
  readonly clock: number;
  readonly state: string;
}

/** Decode an awareness update into its entries; undefined if it is malformed. */
export function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] | undefined {
  try {
    const decoder = decoding.createDecoder(update);
    const count = decoding.readVarUint(decoder);
    const entries: AwarenessEntry[] = [];
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      const state = decoding.readVarString(decoder);
      JSON.parse(state);
      entries.push({ clientId, clock, state });
    }
    return decoding.hasContent(decoder) ? undefined : entries;
  } catch {
    return undefined;
  }
}

/** Encode awareness entries (the inverse of {@link decodeAwarenessUpdate}). */
export function encodeAwarenessEntries(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.state);
  }
  return encoding.toUint8Array(encoder);
}

/** One open document stream with its browser connections. */
class YjsRoom {
  readonly shared: WSSharedDoc;
  /** upgrades that acquired the room but have not attached their socket yet */
  pending = 0;
  disposed = false;
  /** client id → device key of presence received from other devices */
  readonly #remoteClients = new Map<number, string>();
  readonly #outgoing = new Set<number>();
  #presenceTimer: NodeJS.Timeout | undefined;
  readonly #detach: () => void;

  constructor(
    readonly name: string,
    readonly workspaceId: string,
    readonly stream: string,
    syncDoc: Y.Doc,
    private readonly documents: DocumentSync,
    private readonly log: Logger,
  ) {
    this.shared = new WSSharedDoc(name);
    Y.applyUpdate(this.shared, Y.encodeStateAsUpdate(syncDoc), BRIDGE);
    const toShared = (update: Uint8Array, origin: unknown) => {
      if (origin !== BRIDGE) Y.applyUpdate(this.shared, update, BRIDGE);
    };
    const toSync = (update: Uint8Array, origin: unknown) => {
      if (origin !== BRIDGE) Y.applyUpdate(syncDoc, update, BRIDGE);
    };
    const onAwareness = (changes: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) =>
      this.#onAwareness(changes, origin);
    syncDoc.on('update', toShared);
    this.shared.on('update', toSync);
    this.shared.awareness.on('update', onAwareness);
    this.#detach = () => {
      syncDoc.off('update', toShared);
      this.shared.off('update', toSync);
      this.shared.awareness.off('update', onAwareness);
    };
    docs.set(name, this.shared);
  }

  /** Serve a browser connection with the stock y-websocket protocol. */
  attach(socket: WebSocket, req: IncomingMessage, onIdle: () => void): void {
    this.pending--;
    setupWSConnection(socket, req, { docName: this.name });
    // setupWSConnection's own close handler runs first and removes the connection.
    socket.on('close', () => {
      if (this.shared.conns.size === 0 && this.pending === 0) onIdle();
    });
  }

  /** Apply verified presence of another device, keeping only the client ids it may speak for. */
  applyRemotePresence(from: DeviceRef, update: Uint8Array, problems: ProblemSink): void {
    const entries = decodeAwarenessUpdate(update);
    const device = deviceKey(from);
    if (entries === undefined) {
      problems.report({
        code: 'malformed',
        message: 'A presence update from another device could not be read and was ignored.',
        workspaceId: this.workspaceId,
        stream: this.stream,
        device: from,
      });
      return;
    }
    const local = this.#localClientIds();
    const accepted = entries.filter((entry) => {
      if (local.has(entry.clientId)) return false;
      const owner = this.#remoteClients.get(entry.clientId);
      return owner === undefined || owner === device;
    });
    if (accepted.length < entries.length) {
      this.log.warn({ device, dropped: entries.length - accepted.length }, 'presence for client ids owned by others ignored');
    }
    if (accepted.length === 0) return;
    for (const entry of accepted) this.#remoteClients.set(entry.clientId, device);
    awarenessProtocol.applyAwarenessUpdate(this.shared.awareness, encodeAwarenessEntries(accepted), REMOTE_PRESENCE);
  }

  /** Close every browser connection and leave the process-wide docs map. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.#sendPresenceNow();
    this.#detach();
    for (const conn of [...this.shared.conns.keys()]) (conn as WebSocket).close(1001, 'agent session closed');
    docs.delete(this.name);
    this.shared.destroy();
  }

  #localClientIds(): Set<number> {
    const ids = new Set<number>();
    for (const controlled of this.shared.conns.values()) for (const id of controlled) ids.add(id);
    return ids;
  }

  #onAwareness({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown): void {
    if (origin === REMOTE_PRESENCE) {
      for (const id of removed) this.#remoteClients.delete(id);
      return;
    }
    for (const id of [...added, ...updated, ...removed]) {
      if (this.#remoteClients.has(id)) {
        // A remote state timed out here; the other device announces its own departures.
        if (removed.includes(id)) this.#remoteClients.delete(id);
        continue;
      }
      this.#outgoing.add(id);
    }
    if (this.#outgoing.size > 0 && this.#presenceTimer === undefined && !this.disposed) {
      this.#presenceTimer = setTimeout(() => this.#sendPresenceNow(), PRESENCE_COALESCE_MS);
    }
  }

  #sendPresenceNow(): void {
    clearTimeout(this.#presenceTimer);
    this.#presenceTimer = undefined;
    if (this.#outgoing.size === 0) return;
    const clients = [...this.#outgoing];
    this.#outgoing.clear();
    const update = awarenessProtocol.encodeAwarenessUpdate(this.shared.awareness, clients);
    if (update.byteLength > MAX_PRESENCE_UPDATE_BYTES) {
      this.log.warn({ bytes: update.byteLength }, 'awareness update too large to send as presence; dropped');
      return;
    }
    this.documents.sendPresence(this.workspaceId, this.stream, update).catch((err: unknown) => {
      this.log.debug({ err: err instanceof Error ? err.message : 'unknown' }, 'presence not sent');
    });
  }
}

/** The y-websocket rooms of one agent session. */
export class YjsRooms {
  readonly #prefix = toHex(randomBytes(8));
  /** rooms being opened or open, by `workspaceId/stream` */
  readonly #rooms = new Map<string, Promise<YjsRoom>>();
  /** the open ones, so disposal can tell synchronously whether the map still points at a room */
  readonly #open = new Map<string, YjsRoom>();
  readonly #offPresence: () => void;
  #closed = false;

  constructor(
    private readonly documents: DocumentSync,
    private readonly problems: ProblemSink,
    private readonly log: Logger,
  ) {
    this.#offPresence = documents.onPresence((workspaceId, stream, from, update) => {
      void this.#rooms.get(roomKey(workspaceId, stream))?.then(
        (room) => {
          if (!room.disposed) room.applyRemotePresence(from, update, this.problems);
        },
        () => undefined,
      );
    });
  }

  /**
   * Open (or join) the room of a document stream before the WebSocket upgrade completes,
   * so the room holds the document before the browser's first sync message arrives.
   * Follow with {@link attach} or {@link release}.
   */
  async acquire(workspaceId: string, stream: string): Promise<YjsRoom> {
    if (this.#closed) throw new Error('the document endpoint is closed');
    const key = roomKey(workspaceId, stream);
    let pending = this.#rooms.get(key);
    if (pending === undefined) {
      pending = this.documents.open(workspaceId, stream).then((doc) => {
        const room = new YjsRoom(`${this.#prefix}/${key}`, workspaceId, stream, doc, this.documents, this.log);
        this.#open.set(key, room);
        return room;
      });
      this.#rooms.set(key, pending);
      pending.catch(() => this.#rooms.delete(key));
    }
    const room = await pending;
    // A room whose last connection closed while we waited is gone; open a fresh one.
    if (room.disposed) return this.acquire(workspaceId, stream);
    if (this.#closed) {
      room.dispose();
      throw new Error('the document endpoint is closed');
    }
    room.pending++;
    return room;
  }

  /** Hand an upgraded socket to its room. */
  attach(room: YjsRoom, socket: WebSocket, req: IncomingMessage): void {
    if (room.disposed || this.#closed) {
      socket.close(1001, 'agent session closed');
      return;
    }
    room.attach(socket, req, () => this.#dispose(room));
  }

  /** Give back a room whose upgrade did not complete. */
  release(room: YjsRoom): void {
    room.pending--;
    if (room.shared.conns.size === 0 && room.pending === 0) this.#dispose(room);
  }

  /** Close every room and its connections (the session is ending). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#offPresence();
    const rooms = await Promise.allSettled([...this.#rooms.values()]);
    for (const result of rooms) if (result.status === 'fulfilled') result.value.dispose();
    this.#rooms.clear();
    this.#open.clear();
  }

  /** How many rooms are open (tests). */
  get size(): number {
    return this.#open.size;
  }

  #dispose(room: YjsRoom): void {
    const key = roomKey(room.workspaceId, room.stream);
    room.dispose();
    if (this.#open.get(key) === room) {
      this.#open.delete(key);
      this.#rooms.delete(key);
    }
  }
}

function roomKey(workspaceId: string, stream: string): string {
  return `${workspaceId}/${stream}`;
}
