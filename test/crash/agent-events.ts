/**
 * The agent's `/events` WebSocket as the UI receives it, for tests that must act at an
 * exact moment of the agent's work (e.g. kill it while an upload is under way).
 */
import { WebSocket } from 'ws';
import { z } from 'zod';
import type { AgentApi } from '../integration/harness';
import { webSocketProtocols } from '@yhteispoyta/local-api/auth';

const transferSchema = z.object({
  type: z.literal('transfer'),
  progress: z.object({
    transferId: z.string(),
    direction: z.enum(['upload', 'download']),
    name: z.string(),
    doneBytes: z.number(),
    totalBytes: z.number(),
  }),
});
/** A transfer progress event. */
export type TransferEvent = z.infer<typeof transferSchema>;

/** A connected events stream. */
export class AgentEvents {
  readonly #socket: WebSocket;
  readonly #waiters = new Set<(event: unknown) => void>();

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data: Buffer) => {
      let event: unknown;
      try {
        event = JSON.parse(data.toString('utf8'));
      } catch {
        return;
      }
      for (const waiter of this.#waiters) waiter(event);
    });
  }

  /** Connect to the agent's `/events` stream with its token. */
  static async connect(api: AgentApi): Promise<AgentEvents> {
    const socket = new WebSocket(`${api.url.replace(/^http/, 'ws')}/events`, webSocketProtocols(api.token));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return new AgentEvents(socket);
  }

  /** The first transfer event (from now on) that satisfies `predicate`. */
  nextTransfer(predicate: (event: TransferEvent) => boolean, timeoutMs = 60_000): Promise<TransferEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no matching transfer event within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (raw: unknown): void => {
        const parsed = transferSchema.safeParse(raw);
        if (!parsed.success || !predicate(parsed.data)) return;
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve(parsed.data);
      };
      this.#waiters.add(waiter);
    });
  }

  /** Close the stream. */
  close(): void {
    this.#socket.terminate();
  }
}
