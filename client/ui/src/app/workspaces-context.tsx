/**
 * The workspaces of the running session, kept fresh: the list (re-read when membership
 * changes), who else has each one open (the agent's presence, polled), and unread chat
 * counts (messages of others since this profile last read the workspace's chat — its chat
 * shown in a visible, focused page — remembered in localStorage per profile).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { ChatMessage, Removal, Workspace, WorkspacePresence } from '@yhteispoyta/local-api';
import { chatApi, profilesApi, workspacesApi } from '../api/agent-api';
import { LastSeenStore, highestSeq, latestSentAt, unreadCount } from '../lib/unread';
import type { CountableMessage } from '../lib/unread';
import { useAgent } from './agent-context';
import { useAttention } from '../reach/use-attention';

/** How often presence is read again (a local call; someone who left shows gone within it). */
const PRESENCE_POLL_MS = 2_000;

/** What the workspaces context offers. */
export interface WorkspacesContextValue {
  /** undefined until first read */
  readonly workspaces: readonly Workspace[] | undefined;
  readonly loadError: unknown;
  refresh(): void;
  /** put a workspace answer (create, add member …) in place before the next read */
  upsert(workspace: Workspace): void;
  /** devices of others seen in a workspace recently */
  online(workspaceId: string): WorkspacePresence['devices'];
  unread(workspaceId: string): number;
  /** the later of the server's last activity and the newest chat message (ms; 0 when none) */
  lastActivity(workspaceId: string): number;
  /** the workspace whose chat is shown now (its messages count as seen while the page is visible and focused) */
  setOpen(workspaceId: string | undefined): void;
  /** the workspace whose chat the person reads right now (shown, page visible and focused) */
  readonly reading: string | undefined;
  /** the name of a workspace seen in this session, even one the user has just lost access to */
  labelOf(workspaceId: string): string | undefined;
  /** workspaces this device was removed from (or left): who removed it and when, from the verified chain */
  readonly removals: readonly Removal[];
}

const WorkspacesContext = createContext<WorkspacesContextValue | undefined>(undefined);

/** Keeps the workspace list, presence and unread counts. */
export function WorkspacesProvider({ children }: { children: ReactNode }) {
  const { status, onChat, onMembership, onDevices } = useAgent();
  // A device that is not certified is in no workspace: nothing to read until it is.
  const ready = status?.state === 'ready' && status.device?.certification.state === 'certified';
  const profile = status?.profile;
  const selfUserId = status?.device?.userId;
  const [workspaces, setWorkspaces] = useState<Workspace[] | undefined>(undefined);
  const [removals, setRemovals] = useState<readonly Removal[]>([]);
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const [generation, setGeneration] = useState(0);
  const [presence, setPresence] = useState<ReadonlyMap<string, WorkspacePresence['devices']>>(new Map());
  const [messages, setMessages] = useState<ReadonlyMap<string, ReadonlyMap<string, CountableMessage>>>(new Map());
  const [shownId, setOpenId] = useState<string | undefined>(undefined);
  const attentive = useAttention();
  const openId = attentive ? shownId : undefined;
  const [seenVersion, setSeenVersion] = useState(0);
  const lastSeen = useMemo(() => (profile === undefined ? undefined : new LastSeenStore(window.localStorage, profile)), [profile]);
  const loadedChats = useRef(new Set<string>());
  const knownIds = useRef<ReadonlySet<string> | undefined>(undefined);
  const labels = useRef(new Map<string, string>());
  useEffect(() => {
    knownIds.current = workspaces === undefined ? undefined : new Set(workspaces.map((w) => w.workspaceId));
    for (const w of workspaces ?? []) labels.current.set(w.workspaceId, w.label);
  }, [workspaces]);

  const refresh = useCallback(() => setGeneration((g) => g + 1), []);
  useEffect(() => onMembership(refresh), [onMembership, refresh]);
  // A device just certified, approved or revoked changes what this device is a member of.
  useEffect(() => onDevices(refresh), [onDevices, refresh]);

  // A different profile starts from nothing.
  useEffect(() => {
    setWorkspaces(undefined);
    setMessages(new Map());
    setPresence(new Map());
    setRemovals([]);
    loadedChats.current = new Set();
    labels.current = new Map();
  }, [profile]);

  useEffect(() => {
    if (!ready) return;
    let cancelled = false;
    workspacesApi.list().then(
      (list) => {
        if (cancelled) return;
        setWorkspaces(list);
        setLoadError(undefined);
      },
      (error: unknown) => {
        if (!cancelled) setLoadError(error);
      },
    );
    // An older agent without the route, or a failure: no removal notices, nothing else changes.
    workspacesApi.removals().then(
      (list) => {
        if (!cancelled) setRemovals(list);
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [ready, generation]);

  // Each workspace's chat is read once; later changes arrive as events.
  useEffect(() => {
    if (!ready || workspaces === undefined) return;
    for (const workspace of workspaces) {
      if (loadedChats.current.has(workspace.workspaceId)) continue;
      loadedChats.current.add(workspace.workspaceId);
      chatApi.list(workspace.workspaceId).then(
        (list) => setMessages((previous) => new Map(previous).set(workspace.workspaceId, indexOf(list, previous.get(workspace.workspaceId)))),
        () => loadedChats.current.delete(workspace.workspaceId),
      );
    }
  }, [ready, workspaces]);

  useEffect(
    () =>
      onChat((workspaceId, message) => {
        setMessages((previous) => {
          const next = new Map(previous.get(workspaceId) ?? []);
          next.set(message.id, { seq: message.seq, deleted: message.deleted, author: message.author, sentAt: message.sentAt });
          return new Map(previous).set(workspaceId, next);
        });
        // A workspace we did not know yet (we were just added): read the list again.
        const known = knownIds.current;
        if (known !== undefined && !known.has(workspaceId)) refresh();
      }),
    [onChat, refresh],
  );

  useEffect(() => {
    if (!ready) return;
    let cancelled = false;
    const poll = () =>
      profilesApi.presence().then(
        (list) => {
          if (!cancelled) setPresence(new Map(list.map((p) => [p.workspaceId, p.devices])));
        },
        () => undefined,
      );
    void poll();
    const timer = setInterval(() => void poll(), PRESENCE_POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [ready]);

  // The open workspace's messages are seen as they arrive.
  useEffect(() => {
    if (openId === undefined || lastSeen === undefined) return;
    const list = messages.get(openId);
    if (list === undefined) return;
    const top = highestSeq(list.values());
    if (top > lastSeen.get(openId)) {
      lastSeen.markSeen(openId, top);
      setSeenVersion((v) => v + 1);
    }
  }, [openId, messages, lastSeen]);

  const value = useMemo<WorkspacesContextValue>(
    () => ({
      workspaces,
      loadError,
      refresh,
      upsert: (workspace) =>
        setWorkspaces((current) => {
          const rest = (current ?? []).filter((w) => w.workspaceId !== workspace.workspaceId);
          return [...rest, workspace];
        }),
      // Only people the verified chain names now (a removal re-reads the list at once).
      online: (workspaceId) => {
        const members = workspaces?.find((w) => w.workspaceId === workspaceId)?.members;
        if (members === undefined) return [];
        return (presence.get(workspaceId) ?? []).filter((d) => members.some((m) => m.userId === d.userId));
      },
      unread: (workspaceId) => {
        const list = messages.get(workspaceId);
        if (list === undefined || lastSeen === undefined || selfUserId === undefined || workspaceId === openId) return 0;
        return unreadCount(list.values(), lastSeen.get(workspaceId), selfUserId);
      },
      lastActivity: (workspaceId) => {
        const listed = workspaces?.find((w) => w.workspaceId === workspaceId)?.lastActivityAt ?? 0;
        return Math.max(listed, latestSentAt(messages.get(workspaceId)?.values() ?? []));
      },
      setOpen: setOpenId,
      reading: openId,
      labelOf: (workspaceId) =>
        workspaces?.find((w) => w.workspaceId === workspaceId)?.label ?? labels.current.get(workspaceId) ?? removals.find((r) => r.workspaceId === workspaceId && r.label !== '')?.label,
      removals,
    }),
    // seenVersion: the counts change when something is marked seen.
    [workspaces, loadError, refresh, presence, messages, lastSeen, selfUserId, openId, seenVersion, removals],
  );
  return <WorkspacesContext.Provider value={value}>{children}</WorkspacesContext.Provider>;
}

function indexOf(list: readonly ChatMessage[], earlier: ReadonlyMap<string, CountableMessage> | undefined): Map<string, CountableMessage> {
  const index = new Map(earlier ?? []);
  for (const m of list) index.set(m.id, { seq: m.seq, deleted: m.deleted, author: m.author, sentAt: m.sentAt });
  return index;
}

/** The workspaces context; only inside {@link WorkspacesProvider}. */
export function useWorkspaces(): WorkspacesContextValue {
  const value = useContext(WorkspacesContext);
  if (value === undefined) throw new Error('useWorkspaces outside WorkspacesProvider');
  return value;
}
