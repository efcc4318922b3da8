/**
 * Names for ids: organisations from the server's directory (through the agent; only
 * organisations the deployment root certifies, by their certified names), read once per
 * session and again when membership or this person's devices change. People are not
 * listed (issue 15: the directory is searched by name when adding someone, never handed
 * out whole); workspace members carry their certified names themselves (a client's is
 * the name his inviter gave) and those come first. Failing that, a client's name is learned from what
 * his own device announces in a workspace (its awareness, which reaches us only through
 * the agent's verified presence), and until then he is shown by role.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { workspacesApi } from '../api/agent-api';
import { useAgent } from './agent-context';

/** What the people context offers. */
export interface PeopleContextValue {
  readonly orgs: readonly { readonly orgId: string; readonly name: string }[];
  /** the organisation's name, if the directory lists it */
  orgName(orgId: string): string | undefined;
  /** this device's own person's name, once certificates give it */
  personName(userId: string): string | undefined;
  /**
   * The directory name, or else the name the person's device announced in a workspace.
   * An announced name is the device's own claim: fine for lists and chat, never used next
   * to a safety number.
   */
  announcedName(userId: string): string | undefined;
  /** remember the name a person's own device announced */
  learnName(userId: string, name: string): void;
  /** read the directory again */
  refresh(): void;
}

const PeopleContext = createContext<PeopleContextValue | undefined>(undefined);

/** Reads the directory for the running session. */
export function PeopleProvider({ children }: { children: ReactNode }) {
  const { status, onMembership, onDevices } = useAgent();
  const [orgs, setOrgs] = useState<{ orgId: string; name: string }[]>([]);
  const [generation, setGeneration] = useState(0);
  const [learned, setLearned] = useState<ReadonlyMap<string, string>>(new Map());
  // The directory lists only certified organisations, to a certified device.
  const ready = status?.state === 'ready' && status.device?.certification.state === 'certified';
  const self = status?.device;

  const refresh = useCallback(() => setGeneration((g) => g + 1), []);
  const learnName = useCallback((userId: string, name: string) => {
    const clean = name.trim().slice(0, 100);
    if (clean === '') return;
    setLearned((previous) => (previous.get(userId) === clean ? previous : new Map(previous).set(userId, clean)));
  }, []);
  // Another profile starts without the names the previous one learned.
  useEffect(() => setLearned(new Map()), [status?.profile]);
  useEffect(() => onMembership(refresh), [onMembership, refresh]);
  useEffect(() => onDevices(refresh), [onDevices, refresh]);

  useEffect(() => {
    if (!ready) return;
    let cancelled = false;
    void (async () => {
      try {
        const listed = await workspacesApi.orgs();
        if (cancelled) return;
        setOrgs(listed);
      } catch {
        // Offline: ids are shown until the directory can be read.
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [ready, generation]);

  const value = useMemo<PeopleContextValue>(() => {
    const names = new Map<string, string>();
    // Until certificates give it, this device's own name is '' (not a name).
    if (self !== undefined && self.displayName.trim() !== '') names.set(self.userId, self.displayName);
    return {
      orgs,
      orgName: (orgId) => orgs.find((o) => o.orgId === orgId)?.name,
      personName: (userId) => names.get(userId),
      announcedName: (userId) => names.get(userId) ?? learned.get(userId),
      learnName,
      refresh,
    };
  }, [orgs, self, refresh, learned, learnName]);
  return <PeopleContext.Provider value={value}>{children}</PeopleContext.Provider>;
}

/** The people context; only inside {@link PeopleProvider}. */
export function usePeople(): PeopleContextValue {
  const value = useContext(PeopleContext);
  if (value === undefined) throw new Error('usePeople outside PeopleProvider');
  return value;
}
