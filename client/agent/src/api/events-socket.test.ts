/**
 * The `/events` stream sends the contract's events only: the current status first, each
 * event stripped to what the contract names, and an event off the contract not at all.
 */
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { AgentHost } from '../agent';
import { EventHub } from './event-hub';
import type { AgentEvent } from './event-hub';
import { serveEvents } from './events-socket';

/** The part of a ws WebSocket serveEvents uses, recording what is sent. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: unknown[] = [];
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  ping(): void {}
  terminate(): void {
    this.readyState = 3;
  }
}

describe('serveEvents', () => {
  it('sends the status first, strips events to the contract, and drops an event off it', () => {
    const events = new EventHub();
    const status = { state: 'locked', serverUrl: 'http://server', revision: 1 } as const;
    const host = { events, status: () => status } as unknown as AgentHost;
    const socket = new FakeSocket();
    serveEvents(socket as unknown as WebSocket, host, pino({ level: 'silent' }));

    events.publish({ type: 'membership', workspaceId: 'ws-1', what: 'epoch', secret: 'not for the page' } as AgentEvent);
    events.publish({ type: 'membership', workspaceId: 'ws-1', what: 'everything' } as unknown as AgentEvent);
    events.publish({ type: 'devices' });
    expect(socket.sent).toEqual([{ type: 'status', status }, { type: 'membership', workspaceId: 'ws-1', what: 'epoch' }, { type: 'devices' }]);
    socket.emit('close');
    expect(events.size).toBe(0);
  });
});
