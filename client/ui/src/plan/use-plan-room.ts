/**
 * The plan's y-websocket room at this page's agent (`/yjs/<workspaceId>/plan`), opened
 * with the stock WebsocketProvider for as long as a workspace is open — whichever of its
 * tabs is shown — so others see who is here. A meeting's minutes are a room of the same
 * kind (`/yjs/<workspaceId>/meeting-<id>`), open while they are shown. The agent seals every change and all
 * awareness (carets, names, colours) before anything leaves the machine.
 */
import { useEffect, useState } from 'react';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { agentSocketProtocols } from '../api/agent-token';
import { PLAN_DOC_NAME } from './plan-doc';

/** Who this page is, as others see it in the plan. */
export interface AwarenessUser {
  readonly name: string;
  readonly color: string;
  readonly userId: string;
}

/** An open plan room. */
export interface PlanRoom {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  /** the first exchange with the agent completed: the doc holds the plan */
  readonly synced: boolean;
  readonly connection: 'connecting' | 'connected' | 'disconnected';
  /** the other people in the room now */
  readonly peers: readonly AwarenessUser[];
  /** user ids of the others writing a chat message now (their awareness says `typing`; members only, checked by the reader) */
  readonly typing: readonly string[];
}

function typingOf(provider: WebsocketProvider): string[] {
  const own = provider.awareness.clientID;
  const out = new Set<string>();
  for (const [clientId, state] of provider.awareness.getStates()) {
    if (clientId === own || (state as { typing?: unknown }).typing !== true) continue;
    const user: unknown = (state as { user?: unknown }).user;
    const userId = typeof user === 'object' && user !== null ? (user as Record<string, unknown>).userId : undefined;
    if (typeof userId === 'string') out.add(userId);
  }
  return [...out];
}

function peersOf(provider: WebsocketProvider): AwarenessUser[] {
  const own = provider.awareness.clientID;
  const out: AwarenessUser[] = [];
  for (const [clientId, state] of provider.awareness.getStates()) {
    if (clientId === own) continue;
    const user: unknown = (state as { user?: unknown }).user;
    if (typeof user !== 'object' || user === null) continue;
    const { name, color, userId } = user as Record<string, unknown>;
    if (typeof name === 'string' && typeof color === 'string' && typeof userId === 'string') out.push({ name: name.slice(0, 100), color, userId });
  }
  return out;
}

/** Open the plan room (or the document `docName`) of a workspace; closed when the workspace is left. */
export function usePlanRoom(workspaceId: string, user: AwarenessUser, docName: string = PLAN_DOC_NAME): PlanRoom | undefined {
  const [room, setRoom] = useState<PlanRoom | undefined>(undefined);
  const { name, color, userId } = user;

  useEffect(() => {
    const doc = new Y.Doc();
    const base = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/yjs/${encodeURIComponent(workspaceId)}`;
    // BroadcastChannel off: every tab goes through the agent, which is the only party that may see the plan.
    const provider = new WebsocketProvider(base, docName, doc, { disableBc: true, protocols: agentSocketProtocols() });
    provider.awareness.setLocalStateField('user', { name, color, userId });
    let current: PlanRoom = { doc, provider, synced: false, connection: 'connecting', peers: [], typing: [] };
    const update = (change: Partial<PlanRoom>) => {
      current = { ...current, ...change };
      setRoom(current);
    };
    setRoom(current);
    const onStatus = ({ status }: { status: 'connecting' | 'connected' | 'disconnected' }) => update({ connection: status });
    const onSync = (synced: boolean) => update({ synced: current.synced || synced });
    const onAwareness = () => update({ peers: peersOf(provider), typing: typingOf(provider) });
    provider.on('status', onStatus);
    provider.on('sync', onSync);
    provider.awareness.on('change', onAwareness);
    return () => {
      provider.off('status', onStatus);
      provider.off('sync', onSync);
      provider.awareness.off('change', onAwareness);
      setRoom(undefined);
      // The editor, which uses the provider's awareness, is torn down in the same commit: let it go first.
      setTimeout(() => {
        provider.destroy();
        doc.destroy();
      }, 0);
    };
  }, [workspaceId, docName, name, color, userId]);

  return room;
}
