/**
 * The `/events` WebSocket: a one-way stream of JSON {@link AgentEvent}s to the UI,
 * starting with the current status. Each event is parsed with the contract's schema on
 * its way out, so what the page reads is exactly the contract (as the routes' answers
 * are). A UI that stops reading is disconnected rather than letting the agent buffer
 * without bound; it reconnects and re-fetches.
 */
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { agentEventSchema } from '@yhteispoyta/local-api';
import type { AgentHost } from '../agent';
import type { AgentEvent } from './event-hub';

/** Unsent bytes after which a slow events client is dropped. */
const MAX_EVENTS_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Ping interval; a client that misses a pong until the next ping is dropped. */
const EVENTS_PING_MS = 30_000;

/** Serve one connected events client until it closes. */
export function serveEvents(socket: WebSocket, host: AgentHost, log: Logger): void {
  let alive = true;
  const send = (event: AgentEvent) => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_EVENTS_BUFFERED_BYTES) {
      log.warn('events client too slow; disconnected');
      socket.terminate();
      return;
    }
    const parsed = agentEventSchema.safeParse(event);
    if (!parsed.success) {
      // A bug in the agent, not in the page: the page must not get it, the log must.
      log.error({ type: event.type, path: parsed.error.issues[0]?.path.join('.') }, 'event does not match the contract; not sent');
      return;
    }
    socket.send(JSON.stringify(parsed.data));
  };
  const unsubscribe = host.events.subscribe(send);
  const ping = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, EVENTS_PING_MS);
  socket.on('pong', () => {
    alive = true;
  });
  socket.on('close', () => {
    clearInterval(ping);
    unsubscribe();
  });
  socket.on('error', (err) => log.debug({ err: err.message }, 'events socket error'));
  // The stream is one-way; whatever the page sends is ignored.
  socket.on('message', () => undefined);
  send({ type: 'status', status: host.status() });
}
