/**
 * Reporting problems of the sync engine to the ProblemSink in plain language, and to the
 * log (codes and ids only: never plaintext, keys or ciphertext).
 */
import type { Logger } from 'pino';
import type { DeviceRef } from '@yhteispoyta/crypto/types';
import type { ProblemCode, ProblemSink } from '../contracts';

/** One plain-language sentence per problem code, as the UI shows it. */
const SENTENCES: Record<ProblemCode, string> = {
  malformed: 'A message from the server could not be read and was ignored.',
  too_large: 'A message was larger than allowed and was not accepted.',
  wrong_context: 'The server delivered a message that belongs to another workspace or stream; it was ignored.',
  unknown_author: 'A message came from a device that is not a member of this workspace; it was ignored.',
  bad_signature: 'A message failed its signature check (it was altered or forged); it was ignored.',
  unknown_epoch: 'A message is sealed with a key this device has not received.',
  wrong_key: 'A message could not be decrypted with the workspace key; it was ignored.',
  clock_gap: 'Messages from a device are missing; later ones are held until the missing ones arrive.',
  replay: 'The server repeated an old message; it was not applied again.',
  snapshot_chain: 'A document snapshot does not continue the history this device holds; it was not applied.',
  stale_head: 'A member wrote under an outdated membership history: the server kept a removal from them. What they wrote then was not accepted.',
  past_cut: 'A removed device sent a message after it was removed; it was not accepted.',
  withheld: 'The server has not delivered messages a member says they sent.',
  chain_invalid: 'The membership history of this workspace does not verify.',
  identity_changed: 'The security key of a device changed.',
  key_distribution: 'A workspace key could not be delivered or read.',
  uncertified: 'A device or person has no valid certificate; it gets no keys and nothing it sends is accepted.',
  enrolment_refused: 'A device that used one of your codes could not prove the code; it was not admitted.',
  prekeys_drained: "This device's one-time prekeys were taken far faster than new contacts take them; new ones were uploaded.",
  log_unproven: 'The server served certificates without a valid proof that they are in its public log; they are not relied upon.',
  log_inconsistent: 'The server showed a log that does not continue the one this device saw before; its certificates are not relied upon.',
  directory_split_view: 'Another member was shown a different certificate log than this device: the server shows members different histories.',
  forbidden: 'The server refused: this device may not do that in this workspace.',
  revoked: 'This device no longer has access to the workspace.',
  server_error: 'The server answered with an error.',
  offline: 'The server cannot be reached; changes are kept and sent later.',
  attachment_integrity: 'An attachment failed its integrity check; nothing of it was shown.',
  record_refused: "A case record event breaks the records' rules (wrong author or wrong order); it was refused and changed nothing.",
  audit_broken: 'The processing log of a workspace failed its hash check; it may have been changed under the server.',
};

/** What a report names besides its code. */
export interface ProblemContext {
  readonly workspaceId?: string;
  readonly stream?: string;
  readonly device?: DeviceRef;
  /** a more specific sentence than the code's default (no plaintext, keys or tokens) */
  readonly message?: string;
  /** technical detail for the log only */
  readonly detail?: string;
  /** a finer code the UI may explain (the records rule that refused an event) */
  readonly reason?: string;
}

/** Sends problems to the sink and the log. */
export class ProblemReporter {
  readonly #sink: ProblemSink;
  readonly #log: Logger;

  /** Reports through `sink`, logging to `log`. */
  constructor(sink: ProblemSink, log: Logger) {
    this.#sink = sink;
    this.#log = log;
  }

  /** A reported condition is over: the sink drops its problems (a sink that cannot is left as it is). */
  resolve(code: ProblemCode, where: { readonly workspaceId?: string; readonly stream?: string; readonly device?: DeviceRef } = {}): void {
    this.#log.info({ problem: code, workspaceId: where.workspaceId, stream: where.stream, device: where.device }, 'sync problem resolved');
    try {
      this.#sink.resolve?.({ code, ...where });
    } catch (error) {
      this.#log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'problem sink failed');
    }
  }

  /** Report one problem. A failing sink is logged, never allowed to break the sync loop. */
  report(code: ProblemCode, ctx: ProblemContext = {}): void {
    const { detail, message, ...where } = ctx;
    this.#log.warn({ problem: code, workspaceId: where.workspaceId, stream: where.stream, device: where.device, detail }, 'sync problem');
    try {
      this.#sink.report({ code, message: message ?? SENTENCES[code], ...where });
    } catch (error) {
      this.#log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'problem sink failed');
    }
  }
}
