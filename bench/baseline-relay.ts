/**
 * The plaintext baseline: a stock y-websocket relay exactly as `@y/websocket-server@0.1.1`
 * ships it (its `setupWSConnection` on a plain http server, documents held in memory,
 * no persistence, no authentication, no encryption). Clients connect to
 * `ws://HOST:PORT/<room>` with the stock `WebsocketProvider` or speak y-protocols directly.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { setupWSConnection } from '@y/websocket-server/utils';

/** A listening baseline relay. */
export interface BaselineRelay {
  /** `ws://127.0.0.1:PORT` */
  readonly url: string;
  close(): Promise<void>;
}

/** Start the stock relay on `host:port` (0 = any free port). */
export async function startBaselineRelay(host = '127.0.0.1', port = 0): Promise<BaselineRelay> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('okay');
  });
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (conn, req) => setupWSConnection(conn, req));
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `ws://${host}:${address.port}`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
