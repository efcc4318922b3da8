/**
 * The rules both adapters enforce, as pure functions, so the two cannot drift apart. The
 * stream rules (clocks, snapshot coverage) are crypto's stream-rules.ts, shared with the agent.
 */
import { MAX_DEVICE_ID, MIN_DEVICE_ID } from '@yhteispoyta/crypto/types';

/** Whether a number is a valid libsignal device id (1–127). */
export function isValidDeviceId(deviceId: number): boolean {
  return Number.isInteger(deviceId) && deviceId >= MIN_DEVICE_ID && deviceId <= MAX_DEVICE_ID;
}
