/**
 * What the status bar says about the connection: the page to its agent, the agent's
 * profile, and the agent to the central server.
 */

/** The states the status bar tells apart. */
export const LINK_STATES = ['no_agent', 'locked', 'not_enrolled', 'offline', 'connecting', 'syncing', 'online'] as const;
/** Link state as the bar shows it. */
export type LinkState = (typeof LINK_STATES)[number];

/** The state to show, from what the agent says. */
export function linkState(events: 'connecting' | 'open' | 'closed', state: string | undefined, link: string | undefined, syncing: number): LinkState {
  if (events === 'closed') return 'no_agent';
  // An unlocked profile whose device is not enrolled yet is open, not locked (the enrolment page).
  if (state === 'unlocked') return 'not_enrolled';
  if (state !== undefined && state !== 'ready') return 'locked';
  if (link === 'offline') return 'offline';
  if (link === 'connecting' || link === undefined) return 'connecting';
  return syncing > 0 ? 'syncing' : 'online';
}
