/**
 * The page's live view of its agent: state (locked, unlocked, ready; this device's
 * certification), sync counters, problems, and the events other parts of the UI follow
 * (chat, case records, membership, this person's devices, transfers).
 * One `/events` connection feeds everything; on every (re)connection the state and the
 * problem list are fetched again, so nothing said while the connection was down is lost.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { ApiFailure } from '@yhteispoyta/local-api';
import type { AgentEvent, ChatMessage, HostStatus, Problem, TransferProgress } from '@yhteispoyta/local-api';
import { profilesApi } from '../api/agent-api';
import { connectEvents } from '../api/events';
import { newerStatus, withSync } from './status-order';

/** Whether the page can hear its agent. */
export type EventsState = 'connecting' | 'open' | 'closed';

type ChatListener = (workspaceId: string, message: ChatMessage) => void;
type MembershipListener = (workspaceId: string) => void;
type RecordsListener = (workspaceId: string) => void;
type DevicesListener = () => void;

/** What the agent context offers. */
export interface AgentContextValue {
  /** undefined until the first answer */
  readonly status: HostStatus | undefined;
  readonly events: EventsState;
  /** problems not dismissed on this page, oldest first */
  readonly problems: readonly Problem[];
  /** transfers seen on this page, by transferId */
  readonly transfers: ReadonlyMap<string, TransferProgress>;
  /** a new status from an API answer (unlock, enrol …), before the event arrives */
  setStatus(status: HostStatus): void;
  dismissProblem(id: string): void;
  dismissAllProblems(): void;
  onChat(listener: ChatListener): () => void;
  onMembership(listener: MembershipListener): () => void;
  /** a workspace's case records changed */
  onRecords(listener: RecordsListener): () => void;
  /** this device's certification or the person's devices changed (also called after every reconnection) */
  onDevices(listener: DevicesListener): () => void;
}

const AgentContext = createContext<AgentContextValue | undefined>(undefined);

/** Keeps the connection to the agent and shares what it says; `onRefused` when the agent refuses the tab's token. */
export function AgentProvider({ children, onRefused }: { children: ReactNode; onRefused?: () => void }) {
  const [status, setAnyStatus] = useState<HostStatus | undefined>(undefined);
  // HTTP answers and events arrive in either order: keep the newest snapshot (status-order.ts).
  const setStatus = useCallback((next: HostStatus) => setAnyStatus((previous) => newerStatus(previous, next)), []);
  const [events, setEvents] = useState<EventsState>('connecting');
  const acceptNextEvent = useRef(true);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  const [transfers, setTransfers] = useState<ReadonlyMap<string, TransferProgress>>(new Map());
  const chatListeners = useRef(new Set<ChatListener>());
  const recordsListeners = useRef(new Set<RecordsListener>());
  const membershipListeners = useRef(new Set<MembershipListener>());
  const devicesListeners = useRef(new Set<DevicesListener>());
  const tellDevices = useCallback(() => {
    for (const listener of devicesListeners.current) listener();
  }, []);

  // A 401 means the agent does not know this tab's token (it restarted): say how to open it again.
  const refusedBy = useCallback(
    (error: unknown) => {
      if (error instanceof ApiFailure && error.status === 401) onRefused?.();
    },
    [onRefused],
  );

  const refetchStatus = useCallback(async () => {
    try {
      setStatus(await profilesApi.status());
    } catch (error) {
      // Otherwise the events connection reports reachability; the next event or reconnection reads again.
      refusedBy(error);
    }
  }, [refusedBy]);

  const refetch = useCallback(async () => {
    try {
      const fresh = await profilesApi.status();
      setStatus(fresh);
      setProblems(fresh.state === 'ready' ? await profilesApi.problems() : []);
    } catch (error) {
      // Otherwise the events connection reports reachability; the next (re)connection fetches again.
      refusedBy(error);
    }
  }, [refusedBy]);

  useEffect(() => {
    const handle = (event: AgentEvent) => {
      switch (event.type) {
        case 'status':
          // The first event after (re)connecting is the agent's snapshot, perhaps of a restarted agent: take it as it is.
          if (acceptNextEvent.current) setAnyStatus(event.status);
          else setStatus(event.status);
          acceptNextEvent.current = false;
          // A locked profile's problems are not the next profile's.
          if (event.status.state !== 'ready') setProblems([]);
          break;
        case 'sync':
          setAnyStatus((previous) => withSync(previous, event.sync, event.revision));
          break;
        case 'problem':
          setProblems((previous) => (previous.some((p) => p.id === event.problem.id) ? previous : [...previous, event.problem]));
          break;
        case 'problem_resolved':
          setProblems((previous) => previous.filter((p) => p.id !== event.id));
          break;
        case 'chat':
          for (const listener of chatListeners.current) listener(event.workspaceId, event.message);
          break;
        case 'membership':
          for (const listener of membershipListeners.current) listener(event.workspaceId);
          break;
        case 'records':
          for (const listener of recordsListeners.current) listener(event.workspaceId);
          break;
        case 'transfer':
          setTransfers((previous) => new Map(previous).set(event.progress.transferId, event.progress));
          break;
        case 'devices':
          // The certification travels in the status; the device list is re-read by its view.
          void refetchStatus();
          tellDevices();
          break;
      }
    };
    return connectEvents({
      onEvent: handle,
      onOpen: () => {
        acceptNextEvent.current = true;
        setEvents('open');
        void refetch();
        tellDevices();
      },
      onClose: () => {
        setEvents('closed');
        // A refused handshake looks like any close to a page: ask the API why.
        void refetchStatus();
      },
    });
  }, [refetch, refetchStatus, tellDevices]);

  // Stable across renders, so subscribers' effects do not re-subscribe on every event.
  const onChat = useCallback((listener: ChatListener) => {
    chatListeners.current.add(listener);
    return () => void chatListeners.current.delete(listener);
  }, []);
  const onMembership = useCallback((listener: MembershipListener) => {
    membershipListeners.current.add(listener);
    return () => void membershipListeners.current.delete(listener);
  }, []);
  const onRecords = useCallback((listener: RecordsListener) => {
    recordsListeners.current.add(listener);
    return () => void recordsListeners.current.delete(listener);
  }, []);
  const onDevices = useCallback((listener: DevicesListener) => {
    devicesListeners.current.add(listener);
    return () => void devicesListeners.current.delete(listener);
  }, []);

  const value = useMemo<AgentContextValue>(
    () => ({
      status,
      events,
      problems: problems.filter((p) => !dismissed.has(p.id)),
      transfers,
      setStatus,
      dismissProblem: (id) => setDismissed((previous) => new Set(previous).add(id)),
      dismissAllProblems: () => setDismissed(new Set(problems.map((p) => p.id))),
      onChat,
      onMembership,
      onRecords,
      onDevices,
    }),
    [status, events, problems, dismissed, transfers, onChat, onMembership, onRecords, onDevices],
  );
  return <AgentContext.Provider value={value}>{children}</AgentContext.Provider>;
}

/** The agent context; only inside {@link AgentProvider}. */
export function useAgent(): AgentContextValue {
  const value = useContext(AgentContext);
  if (value === undefined) throw new Error('useAgent outside AgentProvider');
  return value;
}

/** The running session's device; only where the state is `ready`. */
export function useSelf(): NonNullable<HostStatus['device']> & { readonly profile: string } {
  const { status } = useAgent();
  if (status?.device === undefined || status.profile === undefined) throw new Error('useSelf without a ready session');
  return { ...status.device, profile: status.profile };
}
