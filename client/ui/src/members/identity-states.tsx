/**
 * Whether this person compared the safety number of each other member ("vertailtu"), as
 * the agent's identity store records it, for the marks next to people in the member list
 * and the chat. One load per open workspace, again when membership or devices change and
 * when the safety view marks someone.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Identity } from '@yhteispoyta/local-api';
import { workspacesApi } from '../api/agent-api';
import { useAgent } from '../app/agent-context';

/** Where a person's safety number stands for this user. */
export type IdentityState = 'verified' | 'unverified' | 'changed';

/** The state of an identity as the safety view shows it: a changed key outranks an earlier comparison. */
function identityState(identity: Pick<Identity, 'verified' | 'changed'>): IdentityState {
  return identity.changed ? 'changed' : identity.verified ? 'verified' : 'unverified';
}

interface IdentityStates {
  stateOf(userId: string): IdentityState | undefined;
  refresh(): void;
}

const IdentityStatesContext = createContext<IdentityStates | undefined>(undefined);

/** Loads the identity states of a workspace for the marks below it. */
export function IdentityStatesProvider({ workspaceId, children }: { workspaceId: string; children: ReactNode }) {
  const { onMembership, onDevices } = useAgent();
  const [states, setStates] = useState<ReadonlyMap<string, IdentityState>>(new Map());
  const refresh = useCallback(() => {
    workspacesApi
      .identities(workspaceId)
      .then((identities) => setStates(new Map(identities.map((i) => [i.userId, identityState(i)]))))
      // The marks are an aid; the safety view shows the failure itself.
      .catch(() => undefined);
  }, [workspaceId]);
  useEffect(refresh, [refresh]);
  useEffect(() => onMembership((id) => id === workspaceId && refresh()), [onMembership, workspaceId, refresh]);
  useEffect(() => onDevices(refresh), [onDevices, refresh]);
  const value = useMemo(() => ({ stateOf: (userId: string) => states.get(userId), refresh }), [states, refresh]);
  return <IdentityStatesContext.Provider value={value}>{children}</IdentityStatesContext.Provider>;
}

/** Reload the marks (after the user marked a number compared or not); nothing outside a provider. */
export function useRefreshIdentityStates(): () => void {
  const context = useContext(IdentityStatesContext);
  return context?.refresh ?? noop;
}

function noop(): void {}

/**
 * The mark next to a person: "✓ vertailtu" when this user compared his safety number,
 * "⚠ turvanumero vaihtunut" when his key changed since; "ei vertailtu" only where
 * `showUnverified` (the member list), so the chat is not cluttered. Nothing for oneself.
 */
export function VerifiedMark({ userId, showUnverified = false }: { userId: string; showUnverified?: boolean }) {
  const { t } = useTranslation();
  const state = useContext(IdentityStatesContext)?.stateOf(userId);
  if (state === undefined || (state === 'unverified' && !showUnverified)) return null;
  return (
    <span className={`verified-mark verified-${state}`} title={t(`qr.markTitle.${state}`)} data-testid="verified-mark" data-state={state}>
      <span aria-hidden="true">{state === 'verified' ? '✓ ' : state === 'changed' ? '⚠ ' : '○ '}</span>
      {t(`qr.mark.${state}`)}
    </span>
  );
}
