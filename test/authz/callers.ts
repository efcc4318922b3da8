/**
 * The caller of each matrix column, and what the audit log must say about its refusal:
 * who (no device for a request without a valid session), on which workspace.
 */
import { REST_ROUTES } from '@yhteispoyta/crypto/protocol';
import type { RouteName } from '@yhteispoyta/crypto/protocol';
import type { Column } from './matrix';
import type { Caller } from './rest-requests';
import type { AuthzWorld } from './world';

/** The caller of a column: its credential and the device that signs what it sends. */
export function callerFor(column: Column, world: AuthzWorld): Caller {
  switch (column) {
    case 'noToken':
      return { token: undefined, device: world.alice };
    case 'expiredToken':
      return { token: world.expiredToken, device: world.alice };
    case 'otherWorkspace':
      return { token: world.carol.token, device: world.carol };
    case 'removedMember':
      return { token: world.eve.token, device: world.eve };
    case 'clientRole':
      return { token: world.client.token, device: world.client };
  }
}

/** Whether the column's caller holds a valid session. */
export function hasSession(column: Column): boolean {
  return column !== 'noToken' && column !== 'expiredToken';
}

/** The actor a REST denial is audited with: the device only when its session was valid and the route is a device route. */
export function expectedRestActor(route: RouteName, column: Column, caller: Caller): string | null {
  if (!hasSession(column) || REST_ROUTES[route].auth !== 'device') return null;
  return `${caller.device.ref.userId}.${caller.device.ref.deviceId}`;
}

/**
 * The workspace a REST denial is audited under: one named in the path always; one named
 * in the body once the body was read, i.e. after a valid session (an unauthenticated
 * caller's body is never parsed).
 */
export function expectedRestWorkspace(route: RouteName, column: Column, workspaceId: string | undefined): string | null {
  if (workspaceId === undefined) return null;
  if (REST_ROUTES[route].path.includes(':workspaceId')) return workspaceId;
  return hasSession(column) ? workspaceId : null;
}
