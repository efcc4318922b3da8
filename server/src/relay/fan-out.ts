/**
 * What the relay core hands back besides an answer: what to send to whom, as data. The
 * core never touches a socket; a transport (socket/ over socket.io, the in-process
 * testkit) carries each step out in order. Rooms are the two audiences the protocol
 * knows: every connection that joined a workspace, and every connection of one device.
 */
import type { ServerToClientEventName, ServerToClientEvents } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';

/** An audience: the connections that joined a workspace, or the connections of one device. */
export type Room = { readonly workspace: string } | { readonly device: DeviceRef };

/** One server → client event with its payload, typed by the protocol's event map. */
export type Notice = {
  readonly [E in ServerToClientEventName]: { readonly event: E; readonly payload: Parameters<ServerToClientEvents[E]>[0] };
}[ServerToClientEventName];

/** One step of a fan-out. */
export type FanOutStep =
  /**
   * Send `notice` once to every connection in any of the rooms (a connection in several
   * is told once); `exceptSender` leaves out the connection whose request caused it.
   */
  | { readonly kind: 'notice'; readonly to: readonly Room[]; readonly exceptSender: boolean; readonly notice: Notice }
  /** Take the devices' connections out of the workspace's room: they receive nothing of it from here on. */
  | { readonly kind: 'evict'; readonly workspaceId: string; readonly devices: readonly DeviceRef[] };

/** Steps to carry out in order. */
export type FanOut = readonly FanOutStep[];

/** What a core function answers: the ack's result for the caller, and the fan-out that follows it. */
export interface RelayOutcome<Result extends object> {
  readonly result: Result;
  readonly fanOut: FanOut;
}

/** A notice to everyone in a workspace's room but the requesting connection. */
export function toWorkspaceButSender(workspaceId: string, notice: Notice): FanOutStep {
  return { kind: 'notice', to: [{ workspace: workspaceId }], exceptSender: true, notice };
}

/** A notice to every connection of these devices (nothing when there are none). */
export function toDevices(devices: readonly DeviceRef[], notice: Notice): FanOut {
  return devices.length === 0 ? [] : [{ kind: 'notice', to: devices.map((device) => ({ device })), exceptSender: false, notice }];
}

/** An outcome with nothing to fan out. */
export function answerOnly<Result extends object>(result: Result): RelayOutcome<Result> {
  return { result, fanOut: [] };
}
