/**
 * The agent's `/events` WebSocket: status, sync counters, problems, chat messages,
 * membership changes and transfer progress as they happen. The connection is re-opened
 * with a growing pause when it drops (the agent restarts, a slow tab was cut off); each
 * (re)connection is announced so the UI re-fetches what it may have missed.
 */
import { agentEventSchema } from '@yhteispoyta/local-api';
import type { AgentEvent } from '@yhteispoyta/local-api';
import { agentSocketProtocols } from './agent-token';

/** What the events connection tells its user. */
export interface EventsHandlers {
  onEvent(event: AgentEvent): void;
  /** the connection is open (again): re-fetch state */
  onOpen(): void;
  /** the connection dropped; a reconnection is scheduled */
  onClose(): void;
}

const MIN_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

/** Parse one message of the stream; undefined for anything that is not a known event. */
function parseAgentEvent(data: unknown): AgentEvent | undefined {
  if (typeof data !== 'string') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  const parsed = agentEventSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Open the events stream of the agent serving this page; returns the function that closes it for good. */
export function connectEvents(handlers: EventsHandlers, location: Location = window.location): () => void {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/events`;
  let socket: WebSocket | undefined;
  let retryMs = MIN_RETRY_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const open = () => {
    if (closed) return;
    // The token travels as an offered protocol: a browser cannot set headers on a WebSocket.
    const current = new WebSocket(url, agentSocketProtocols());
    socket = current;
    current.onopen = () => {
      retryMs = MIN_RETRY_MS;
      handlers.onOpen();
    };
    current.onmessage = (message) => {
      const event = parseAgentEvent(message.data);
      if (event !== undefined) handlers.onEvent(event);
    };
    current.onclose = () => {
      if (socket !== current || closed) return;
      handlers.onClose();
      timer = setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    };
  };
  open();

  return () => {
    closed = true;
    clearTimeout(timer);
    socket?.close();
  };
}
