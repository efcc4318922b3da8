/**
 * The hostile relay, FOR TESTS ONLY: a man-in-the-middle between agents and the real
 * server. Each agent is pointed at its own door (a URL the relay listens on) as if it
 * were the central server; the relay forwards everything honestly until a test arms a
 * fault, and goes back to honest forwarding when the fault is disarmed. The product has
 * no test mode: the agents and the server run unchanged.
 *
 * Control API: {@link HostileRelay.arm} / {@link HostileRelay.disarm} / {@link HostileRelay.honest}
 * for faults that act on traffic, {@link HostileRelay.deliver} to push a notice the server
 * never sent (replays, injections), and {@link HostileRelay.reconnect} to drop an agent's
 * connection (it reconnects and catches up by itself).
 */
import { envelopeFrame } from '@yhteispoyta/crypto/protocol';
import type { EnvelopeNotice, JoinRequest, ServerToClientEventName } from '@yhteispoyta/crypto/protocol';
import { FaultBoard } from './fault-board';
import type { EnvelopeLog } from './envelope-log';
import type { FaultHandle, FaultSpec } from './faults';
import { restFaults } from './rest-faults';
import { openRelayDoor } from './relay/relay-door';
import type { RelayDoor } from './relay/relay-door';
import { socketFaults } from './socket-faults';
import type { SocketFaults } from './socket-faults';

/** The relay in front of one real server. */
export class HostileRelay {
  readonly upstream: string;
  readonly #board = new FaultBoard();
  readonly #socket: SocketFaults;
  readonly #doors = new Map<string, RelayDoor>();

  /** A relay forwarding to the server at `upstream`. Doors are opened with {@link door}. */
  constructor(upstream: string) {
    this.upstream = upstream;
    this.#socket = socketFaults(this.#board);
  }

  /** Genuine envelopes seen so far. */
  get log(): EnvelopeLog {
    return this.#board.log;
  }

  /** The last join request a door's agent sent for a workspace (its positions show its active snapshots). */
  lastJoin(door: string, workspaceId: string): JoinRequest | undefined {
    return this.#board.lastJoin(door, workspaceId);
  }

  /** Open (or return) the door of `name`; returns the URL to give that agent as its server. */
  async door(name: string): Promise<string> {
    const existing = this.#doors.get(name);
    if (existing !== undefined) return existing.url;
    const door = await openRelayDoor({ name, upstream: this.upstream, rest: restFaults(this.#board), socket: this.#socket });
    this.#doors.set(name, door);
    return door.url;
  }

  /** Arm a fault; it acts on traffic until disarmed. */
  arm(spec: FaultSpec): FaultHandle {
    const door = 'victim' in spec ? spec.victim : spec.door;
    if (door !== undefined && !this.#doors.has(door)) throw new Error(`no relay door named ${door}`);
    return this.#board.arm(spec);
  }

  /** Stop one fault; a notice a reorder fault still holds is delivered now. */
  disarm(handle: FaultHandle): void {
    this.#board.disarm(handle);
    this.#release(handle);
  }

  /** Back to honest forwarding: every fault disarmed, held notices delivered. */
  honest(): void {
    for (const handle of this.#board.all()) this.disarm(handle);
  }

  /** Deliver a notice to every connection of a door as if the server had sent it; returns how many received it. */
  deliver(door: string, event: ServerToClientEventName, payload: unknown): number {
    const connections = this.#door(door).connections();
    for (const connection of connections) connection.emit(event, payload);
    return connections.length;
  }

  /** Push an envelope notice to the door's connections, its envelope encoded as the wire carries it; answers how many. */
  deliverEnvelope(door: string, notice: EnvelopeNotice): number {
    return this.deliver(door, 'envelope', { ...notice, stored: { ...notice.stored, envelope: envelopeFrame(notice.stored.envelope) } });
  }

  /** Drop the door's connections; the agent reconnects and catches up by itself. */
  reconnect(door: string): void {
    for (const connection of this.#door(door).connections()) connection.disconnect();
  }

  /** Close every door. */
  async close(): Promise<void> {
    await Promise.all([...this.#doors.values()].map((d) => d.close()));
    this.#doors.clear();
  }

  #door(name: string): RelayDoor {
    const door = this.#doors.get(name);
    if (door === undefined) throw new Error(`no relay door named ${name}`);
    return door;
  }

  #release(handle: FaultHandle): void {
    if (handle.spec.type !== 'reorder') return;
    for (const notice of this.#socket.takeHeld(handle)) this.deliver(handle.spec.victim, 'envelope', notice);
  }
}
