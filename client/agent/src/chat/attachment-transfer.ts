/**
 * Uploading and downloading attachments: encrypted on the way up as a stream of chunks,
 * verified completely on the way down before any plaintext is returned, with progress
 * events both ways. The key material is kept in the profile and travels only inside
 * chat messages.
 */
import { randomBytes, sha256, toHex } from '@yhteispoyta/crypto/bytes';
import type { Logger } from 'pino';
import { Listeners } from '@yhteispoyta/common/listeners';
import type { AttachmentRef, RestClient, TransferProgress } from '../contracts';
import type { StreamContext } from '../streams/stream-context';
import {
  ATTACHMENT_KEY_BYTES,
  ATTACHMENT_NONCE_PREFIX_BYTES,
  ciphertextSize,
  decryptAttachment,
  encryptAttachment,
  MAX_ATTACHMENT_BYTES,
} from './attachment-cipher';
import { blobPadding, paddedBlobSize } from './blob-padding';
import { fileNameSchema, mimeTypeSchema } from './chat-payload';
import type { ChatStore } from './chat-store';

/** Why an attachment could not be returned. */
export type AttachmentErrorCode = 'unknown_attachment' | 'integrity';

/** A download that returned nothing; `integrity` failures are also reported as `attachment_integrity` problems. */
export class AttachmentError extends Error {
  override readonly name = 'AttachmentError';
  constructor(
    readonly code: AttachmentErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A file to upload. */
export interface AttachmentFile {
  readonly name: string;
  readonly type: string;
  readonly bytes: Uint8Array;
}

/** Attachment uploads and downloads for one profile. */
export class AttachmentTransfers {
  readonly #rest: RestClient;
  readonly #store: ChatStore;
  readonly #reporter: Pick<StreamContext, 'report'>;
  readonly #log: Logger;
  readonly #listeners = new Listeners<[progress: TransferProgress]>((error) =>
    this.#log.error({ err: error instanceof Error ? error.message : 'unknown' }, 'progress listener failed'),
  );

  /** Transfers over `rest`, keys kept in `store`. */
  constructor(rest: RestClient, store: ChatStore, reporter: Pick<StreamContext, 'report'>, log: Logger) {
    this.#rest = rest;
    this.#store = store;
    this.#reporter = reporter;
    this.#log = log;
  }

  /** Listen to progress of every transfer. */
  onProgress(listener: (progress: TransferProgress) => void): () => void {
    return this.#listeners.add(listener);
  }

  /**
   * Encrypt and upload a file; the returned reference goes into a message, which carries
   * the key. Throws RangeError for an invalid name, type or size, and the RestClient's
   * error when the upload fails (nothing is queued: the user retries).
   */
  async upload(workspaceId: string, file: AttachmentFile, transferId: string = newTransferId()): Promise<AttachmentRef> {
    if (!fileNameSchema.safeParse(file.name).success) throw new RangeError('invalid file name');
    if (!mimeTypeSchema.safeParse(file.type).success) throw new RangeError('invalid content type');
    if (file.bytes.byteLength > MAX_ATTACHMENT_BYTES) throw new RangeError(`file is larger than ${MAX_ATTACHMENT_BYTES} bytes`);
    const key = randomBytes(ATTACHMENT_KEY_BYTES);
    const noncePrefix = randomBytes(ATTACHMENT_NONCE_PREFIX_BYTES);
    const hash = toHex(sha256(file.bytes));
    // The server stores the ciphertext padded to its bucket (blob-padding.ts): never the exact size.
    const sealed = ciphertextSize(file.bytes.byteLength);
    const total = paddedBlobSize(sealed);
    const chunks = encryptAttachment(file.bytes, key, noncePrefix);
    async function* body(): AsyncIterable<Uint8Array> {
      yield* chunks;
      yield* blobPadding(sealed);
    }
    const progress = (doneBytes: number): void =>
      this.#emit({ transferId, direction: 'upload', name: file.name, doneBytes, totalBytes: total });
    progress(0);
    const stored = await this.#rest.uploadBlob(workspaceId, body(), total, progress);
    if (stored.size !== total) {
      this.#reporter.report('server_error', { workspaceId, detail: `upload stored ${stored.size} of ${total} bytes` });
      throw new Error('the server did not store the whole attachment');
    }
    this.#store.addKey(workspaceId, stored.blobId, hash, key, noncePrefix);
    progress(total);
    this.#log.info({ workspaceId, blobId: stored.blobId, size: total }, 'attachment uploaded');
    return { blobId: stored.blobId, name: file.name, type: file.type, size: file.bytes.byteLength, sha256: hash };
  }

  /**
   * Download, verify every chunk and the whole file's hash, and return the plaintext.
   * Rejects with AttachmentError (`integrity` also reported) and never returns part of a
   * file; RestClient errors (offline …) pass through.
   */
  async download(workspaceId: string, ref: AttachmentRef, transferId: string = newTransferId()): Promise<Uint8Array> {
    if (!Number.isSafeInteger(ref.size) || ref.size < 0 || ref.size > MAX_ATTACHMENT_BYTES) throw new RangeError('invalid attachment size');
    const candidates = this.#store.keys(workspaceId, ref.blobId, ref.sha256);
    if (candidates.length === 0) throw new AttachmentError('unknown_attachment', 'no key for this attachment on this device');
    const sealed = ciphertextSize(ref.size);
    const expected = paddedBlobSize(sealed);
    const progress = (doneBytes: number): void =>
      this.#emit({ transferId, direction: 'download', name: ref.name, doneBytes, totalBytes: expected });
    const fail = (detail: string): AttachmentError => {
      this.#reporter.report('attachment_integrity', { workspaceId, detail: `${ref.blobId}: ${detail}` });
      return new AttachmentError('integrity', 'the attachment failed its integrity check');
    };
    const { size, chunks } = await this.#rest.downloadBlob(workspaceId, ref.blobId);
    // A blob stored before padding existed has the bare ciphertext's size: still read.
    if (size !== expected && size !== sealed) throw fail(`server announces ${size} bytes, expected ${expected}`);
    const blob = new Uint8Array(size);
    let received = 0;
    progress(0);
    for await (const chunk of chunks) {
      if (received + chunk.byteLength > size) throw fail('more bytes than expected');
      blob.set(chunk, received);
      received += chunk.byteLength;
      progress(received);
    }
    let detail = `received ${received} of ${size} bytes`;
    if (received === size) {
      for (const { key, noncePrefix } of candidates) {
        // The padding after the ciphertext is random and carries nothing: it is dropped unread.
        const result = decryptAttachment(blob.subarray(0, sealed), key, noncePrefix, { size: ref.size, sha256: ref.sha256 });
        if (result.ok) return result.plaintext;
        detail = result.detail;
      }
    }
    throw fail(detail);
  }

  #emit(progress: TransferProgress): void {
    this.#listeners.emit(progress);
  }
}

function newTransferId(): string {
  return Buffer.from(randomBytes(12)).toString('base64url');
}
