/**
 * A TCP proxy between one agent and the server, which a test can cut and restore. This is
 * how an agent goes offline without any test-only mode in the product: the agent is
 * enrolled at the proxy's address, so its REST calls and its socket.io connection all
 * cross it. Cutting destroys every open connection and resets new ones at once (as a
 * dropped network does); restoring lets connections through again. The listening port
 * never changes, so the agent's configured server address stays valid.
 */
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/** A running proxy to `127.0.0.1:<targetPort>`. */
export class CuttableProxy {
  readonly #server: Server;
  readonly #targetPort: () => number;
  readonly #open = new Set<Socket>();
  #cut = false;
  #port = 0;

  private constructor(server: Server, targetPort: () => number) {
    this.#server = server;
    this.#targetPort = targetPort;
  }

  /**
   * Listen on 127.0.0.1 (a free port) and forward to the port `targetPort()` names at the
   * time of each connection (a restarted server may be asked for again).
   */
  static async start(targetPort: () => number): Promise<CuttableProxy> {
    const server = createServer();
    const proxy = new CuttableProxy(server, targetPort);
    server.on('connection', (socket) => proxy.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
    proxy.#port = address.port;
    return proxy;
  }

  /** The port agents connect to. */
  get port(): number {
    return this.#port;
  }

  /** `http://127.0.0.1:<port>`: the server address an agent behind this proxy is given. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Whether the proxy is cut now. */
  get isCut(): boolean {
    return this.#cut;
  }

  /** Drop every connection and refuse new ones until {@link restore}. */
  cut(): void {
    this.#cut = true;
    for (const socket of this.#open) socket.destroy();
    this.#open.clear();
  }

  /** Let connections through again. */
  restore(): void {
    this.#cut = false;
  }

  /** Stop listening and drop every connection. */
  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    if (this.#cut) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: '127.0.0.1', port: this.#targetPort() });
    this.#open.add(client);
    this.#open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      this.#open.delete(client);
      this.#open.delete(upstream);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
