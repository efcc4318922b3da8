/**
 * What a test of the in-process server may see and change on the way between the devices
 * and the real relay core: requests (device → core), acks (core → device), notices
 * (core → device) and REST answers (core → device). See in-process-server.testkit.ts.
 */
import type { ClientToServerEventName, RouteName, ServerToClientEventName } from '@yhteispoyta/crypto/protocol';
import type { DeviceRef } from '@yhteispoyta/crypto/types';

/**
 * One piece of traffic, as the interceptor sees it. Payloads are copies: changing them
 * changes nothing. Envelopes, which travel as encoded blobs, appear decoded as WireEnvelope
 * objects, and WireEnvelope objects in a replacement are encoded (envelope-view.testkit.ts).
 */
export type Traffic =
  /** a device's socket request on its way to the relay core */
  | { readonly kind: 'request'; readonly device: DeviceRef; readonly event: ClientToServerEventName; readonly payload: unknown }
  /** the core's answer on its way back to the requesting device */
  | { readonly kind: 'ack'; readonly device: DeviceRef; readonly event: ClientToServerEventName; readonly ack: unknown }
  /** a notice of the core's fan-out on its way to one device */
  | { readonly kind: 'notice'; readonly device: DeviceRef; readonly event: ServerToClientEventName; readonly payload: unknown }
  /** a REST answer (200) on its way back to the caller (`device` undefined for anonymous and operator calls) */
  | { readonly kind: 'rest'; readonly device: DeviceRef | undefined; readonly route: RouteName; readonly response: unknown };

/**
 * What happens to it:
 * - `pass` (or undefined): as the real server would;
 * - `{ answer }` (requests only): the request never reaches the core and the device gets
 *   this value as its ack (parsed with the protocol's schema): a server that refuses, or
 *   answers, on its own (elsewhere it passes);
 * - `drop`: a request never reaches the core and the device gets the link's offline
 *   answer; an ack is lost after the core did the work (the device gets the offline
 *   answer); a notice is not delivered; a REST answer becomes an `offline` RestError;
 * - `{ replace }`: this value goes on instead (acks, notices and REST answers are still
 *   parsed with the protocol's schemas by the receiving side, as the real link does);
 * - `{ repeat: n }`: a request reaches the core n more times right after the first (a
 *   replay; the device sees the first answer); a notice is delivered n more times; acks
 *   and REST answers pass.
 */
export type Verdict = 'pass' | 'drop' | { readonly replace: unknown } | { readonly repeat: number } | { readonly answer: unknown };

/** Inspects every piece of traffic; return undefined to let it pass. */
export type Interceptor = (traffic: Traffic) => Verdict | undefined;
