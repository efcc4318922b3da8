/**
 * Where the user is, kept in the address's hash (`#/`, `#/devices`, `#/w/<workspaceId>/<tab>`), so the
 * browser's back and forward buttons work and a reload returns to the same view. The
 * agent serves the page for any path, but the hash never reaches it at all.
 */
import { useEffect, useState } from 'react';

/** The tabs of a workspace. */
export const WORKSPACE_TABS = ['plan', 'chat', 'records', 'timeline', 'files', 'members', 'safety', 'processing'] as const;
/** A tab of a workspace. */
export type WorkspaceTab = (typeof WORKSPACE_TABS)[number];

/** A view of the app. */
export type Route =
  | { readonly name: 'list' }
  /** this person's devices */
  | { readonly name: 'devices' }
  | { readonly name: 'workspace'; readonly workspaceId: string; readonly tab: WorkspaceTab };

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The route of a hash; anything unknown is the workspace list. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] === 'w' && parts[1] !== undefined && ID.test(parts[1])) {
    const tab = WORKSPACE_TABS.find((t) => t === parts[2]) ?? 'plan';
    return { name: 'workspace', workspaceId: parts[1], tab };
  }
  if (parts[0] === 'devices' && parts.length === 1) return { name: 'devices' };
  return { name: 'list' };
}

/** The hash of a route. */
export function routeHash(route: Route): string {
  switch (route.name) {
    case 'list':
      return '#/';
    case 'devices':
      return '#/devices';
    case 'workspace':
      return `#/w/${route.workspaceId}/${route.tab}`;
  }
}

/** The current route, following hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** Go to a route (adds a history entry). */
export function navigate(route: Route): void {
  window.location.hash = routeHash(route);
}
