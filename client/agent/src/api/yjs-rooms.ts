/**
 * The y-websocket endpoint of one agent session: one room per document stream the UI
 * opens (yjs-room.ts), on the document's own Y.Doc from the session's DocumentSync, so
 * the UI's stock `WebsocketProvider` speaks its normal protocol to the very document the
 * sync engine seals and applies. A room lives as long as the session: the document it
 * serves stays open anyway, and an idle room holds nothing but the awareness of others.
 * Verified presence from other devices is routed to the room of its document.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { DocumentSync, ProblemSink } from '../contracts';
import { YjsRoom } from './yjs-room';

// The awareness entry codec moved to sync/; the presence tracker and tests read it here.
export { decodeAwarenessUpdate, encodeAwarenessEntries } from '../sync/awareness-entries';

/** The y-websocket rooms of one agent session. */
export class YjsRooms {
  /** rooms being opened or open, by `workspaceId/stream` */
  readonly #rooms = new Map<string, Promise<YjsRoom>>();
  readonly #offPresence: () => void;
  #closed = false;

  constructor(
    private readonly documents: DocumentSync,
    private readonly problems: ProblemSink,
    private readonly log: Logger,
    /** told each time a browser connects to a document's room (the user opened it) */
    private readonly onOpened: (workspaceId: string, stream: string) => void = () => undefined,
  ) {
    this.#offPresence = documents.onPresence((workspaceId, stream, from, update) => {
      void this.#rooms.get(roomKey(workspaceId, stream))?.then(
        (room) => room.applyRemotePresence(from, update),
        () => undefined,
      );
    });
  }

  /**
   * The room of a document stream, opening the document first, so that the room holds it
   * before the browser's first sync message arrives. Follow with {@link attach} or
   * {@link release}.
   */
  async acquire(workspaceId: string, stream: string): Promise<YjsRoom> {
    if (this.#closed) throw new Error('the document endpoint is closed');
    const key = roomKey(workspaceId, stream);
    let pending = this.#rooms.get(key);
    if (pending === undefined) {
      pending = this.documents.open(workspaceId, stream).then((doc) => new YjsRoom(workspaceId, stream, doc, this.documents, this.problems, this.log));
      this.#rooms.set(key, pending);
      pending.catch(() => this.#rooms.delete(key));
    }
    const room = await pending;
    if (this.#closed) {
      room.dispose();
      throw new Error('the document endpoint is closed');
    }
    return room;
  }

  /** Hand an upgraded socket to its room (the upgrade request is not needed: the room is already chosen). */
  attach(room: YjsRoom, socket: WebSocket, _request?: IncomingMessage): void {
    if (this.#closed) {
      socket.close(1001, 'agent session closed');
      return;
    }
    room.attach(socket);
    this.onOpened(room.workspaceId, room.stream);
  }

  /** Give back a room whose upgrade did not complete (it stays open for the next connection). */
  release(_room: YjsRoom): void {
    // Rooms live as long as the session; nothing to give back.
  }

  /** Close every room and its connections (the session is ending). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#offPresence();
    const rooms = await Promise.allSettled([...this.#rooms.values()]);
    for (const result of rooms) if (result.status === 'fulfilled') result.value.dispose();
    this.#rooms.clear();
  }

  /** How many rooms are open or opening (tests). */
  get size(): number {
    return this.#rooms.size;
  }
}

function roomKey(workspaceId: string, stream: string): string {
  return `${workspaceId}/${stream}`;
}
