/**
 * One door of the hostile relay: an http server on 127.0.0.1 that one agent is pointed at
 * as its central server, serving the REST proxy and the socket.io bridge on one port, as
 * the real server does. One door per agent lets faults single out a victim by door.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRestForwarder } from './rest-forwarder';
import type { RestHooks } from './rest-forwarder';
import { attachSocketBridge } from './socket-bridge';
import type { BridgedConnection, SocketHooks } from './socket-bridge';

/** A listening door. */
export interface RelayDoor {
  readonly name: string;
  /** the URL the agent uses as its server URL */
  readonly url: string;
  /** the agent connections open through this door */
  connections(): BridgedConnection[];
  close(): Promise<void>;
}

/** Options of {@link openRelayDoor}. */
export interface RelayDoorOptions {
  readonly name: string;
  /** base URL of the real server */
  readonly upstream: string;
  readonly rest: RestHooks;
  readonly socket: SocketHooks;
}

/** Listen on 127.0.0.1 port 0 and relay to `opts.upstream`. */
export async function openRelayDoor(opts: RelayDoorOptions): Promise<RelayDoor> {
  const server = http.createServer(createRestForwarder({ upstream: opts.upstream, door: opts.name, hooks: opts.rest }));
  const bridge = attachSocketBridge(server, { upstream: opts.upstream, door: opts.name, hooks: opts.socket });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    name: opts.name,
    url: `http://127.0.0.1:${port}`,
    connections: () => bridge.connections(),
    async close() {
      await bridge.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
