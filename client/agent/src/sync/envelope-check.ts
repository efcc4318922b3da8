/**
 * Verification of one received envelope against this device's own view of the workspace:
 * openEnvelope with the KeyRing's identities and epoch keys, then the rule that the author
 * was a member device in the epoch the envelope is sealed under. Never throws on hostile
 * input.
 */
import { decodeHeader } from '@yhteispoyta/crypto/header';
import { openEnvelope } from '@yhteispoyta/crypto/envelope';
import type { StreamCiphers } from '@yhteispoyta/crypto/envelope';
import { judgeFreshness } from '@yhteispoyta/crypto/freshness';
import type { Bytes } from '@yhteispoyta/crypto/bytes';
import { deviceKey } from '@yhteispoyta/crypto/types';
import type { DeviceRef, EnvelopeHeader } from '@yhteispoyta/crypto/types';
import type { KeyRing, ProblemCode } from '../contracts';
import type { StreamStateStore } from './stream-state';

/** Outcome of {@link checkEnvelope}. */
export type CheckedEnvelope =
  | { readonly status: 'ok'; readonly header: EnvelopeHeader; readonly plaintext: Bytes }
  /** authentic, but the key of its epoch has not arrived (yet): hold it */
  | { readonly status: 'no_key'; readonly header: EnvelopeHeader }
  /**
   * authentic, sealed under an epoch older than any key this device was given: content
   * from before this device joined, unreadable by design; only its clock is accounted
   */
  | { readonly status: 'before_join'; readonly header: EnvelopeHeader }
  | { readonly status: 'rejected'; readonly code: ProblemCode; readonly detail: string; readonly author?: DeviceRef }
  /**
   * authentic, but not fresh (docs/design.md §12): written under a stale chain head or past
   * its author's clock cut. Refused; its clock is still the author's own and counts.
   */
  | { readonly status: 'stale'; readonly code: ProblemCode; readonly detail: string; readonly header: EnvelopeHeader };

/** The oldest epoch of a workspace this device holds a key for. */
function oldestHeldEpoch(keys: KeyRing, workspaceId: string): number | undefined {
  const current = keys.currentEpoch(workspaceId);
  if (current === undefined) return undefined;
  for (let epoch = 1; epoch <= current.epoch; epoch++) {
    if (keys.epochKey(workspaceId, epoch) !== undefined) return epoch;
  }
  return current.epoch;
}

/**
 * Whether `author` was a member device in `epoch`: a current member device when the
 * epoch is the chain's current one, or a device this agent saw in the verified chain
 * while that epoch was current (recorded in sync_epoch_devices).
 */
function wasMemberInEpoch(keys: KeyRing, state: StreamStateStore, workspaceId: string, epoch: number, author: DeviceRef): boolean {
  const chain = keys.chainState(workspaceId);
  if (chain === undefined) return false;
  const key = deviceKey(author);
  if (epoch === chain.epoch && chain.devices.some((d) => deviceKey(d) === key)) return true;
  return state.wasEpochDevice(workspaceId, epoch, key);
}

/** What {@link checkEnvelope} judges with: this device's keys and chains, its stream state, and the stream ciphers it keeps. */
export interface EnvelopeCheckDeps {
  readonly keys: KeyRing;
  readonly state: StreamStateStore;
  readonly ciphers?: StreamCiphers;
}

/**
 * Verifies an untrusted envelope received for (workspaceId, stream): authenticity, then
 * membership in its epoch, then freshness against this device's verified chain
 * (docs/design.md §12: a stale head after a hidden rotation, a removed device past its
 * clock cut). `staleHeadGraceMs`: see SyncConfig.
 */
export function checkEnvelope(
  { keys, state, ciphers }: EnvelopeCheckDeps,
  workspaceId: string,
  stream: string,
  envelope: unknown,
  staleHeadGraceMs: number,
): CheckedEnvelope {
  const opened = openEnvelope(envelope, {
    workspaceId,
    stream,
    identityOf: (ref) => keys.identityOf(ref),
    epochKeyOf: (epoch) => keys.epochKey(workspaceId, epoch),
    ...(ciphers === undefined ? {} : { ciphers }),
  });
  if (!opened.ok) {
    const header = headerOf(envelope);
    if (opened.code === 'unknown_epoch' && header !== undefined) {
      // openEnvelope checked the signature before looking for the key: the header is authentic.
      const oldest = oldestHeldEpoch(keys, workspaceId);
      if (oldest !== undefined && header.epoch < oldest) return { status: 'before_join', header };
      return { status: 'no_key', header };
    }
    return { status: 'rejected', code: opened.code, detail: opened.detail, ...(header === undefined ? {} : { author: header.author }) };
  }
  const { header, plaintext } = opened;
  const chain = keys.chainState(workspaceId);
  const fresh = chain === undefined ? undefined : judgeFreshness(chain, header, staleHeadGraceMs);
  if (fresh !== undefined && !fresh.ok) return { status: 'stale', code: fresh.code, detail: fresh.detail, header };
  if (!wasMemberInEpoch(keys, state, workspaceId, header.epoch, header.author)) {
    return {
      status: 'rejected',
      code: 'unknown_author',
      detail: `author was not a member device in epoch ${header.epoch}`,
      author: header.author,
    };
  }
  return { status: 'ok', header, plaintext };
}

/** The decoded header of an untrusted envelope, if its header bytes decode at all. */
function headerOf(envelope: unknown): EnvelopeHeader | undefined {
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  const bytes = (envelope as { header?: unknown }).header;
  if (!(bytes instanceof Uint8Array)) return undefined;
  const decoded = decodeHeader(bytes);
  return decoded.ok ? decoded.header : undefined;
}
