/**
 * The raw side of a REST call, for the few routes that stream bytes or choose their own
 * status (blobs, readiness). Handlers see only this interface, so the same handlers serve
 * Express (here) and the in-process server of the tests (testkit/).
 */
import type { Request, Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BLOB_CONTENT_TYPE, ProtocolError } from '@yhteispoyta/crypto/protocol';

/** The raw request body and the response's status and bytes of one call. */
export interface RawExchange {
  /** the request body's media type (`Content-Type` without parameters, lower case), if any */
  readonly mediaType: string | undefined;
  /** the body length the caller declared (`Content-Length`), 0 when it declared none */
  readonly declaredLength: number;
  /** The raw request body, chunk by chunk (upload routes). */
  body(): AsyncIterable<Uint8Array>;
  /** Answer with this status instead of 200; the JSON answer follows. */
  setStatus(status: number): void;
  /** Answer with `size` opaque bytes (download routes) instead of JSON. */
  sendBytes(size: number, chunks: AsyncIterable<Uint8Array>): Promise<void>;
}

/**
 * The request body as chunks. Stopping early (the size limit) must not destroy the
 * request: that would cut the connection before the 413 answer is written.
 */
async function* bodyChunks(req: Request): AsyncGenerator<Uint8Array> {
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    if (chunk instanceof Uint8Array) yield chunk;
    else throw new ProtocolError('bad_request', 'the request body could not be read');
  }
}

/** The exchange of an Express request and response. */
export function expressExchange(req: Request, res: Response): RawExchange {
  return {
    mediaType: req.headers['content-type']?.split(';')[0]?.trim().toLowerCase(),
    declaredLength: Number(req.headers['content-length'] ?? '0'),
    body: () => bodyChunks(req),
    setStatus: (status) => void res.status(status),
    async sendBytes(size, chunks) {
      res.status(200);
      res.setHeader('Content-Type', BLOB_CONTENT_TYPE);
      res.setHeader('Content-Length', String(size));
      try {
        await pipeline(Readable.from(chunks), res);
      } catch (error) {
        // A client that goes away mid-download is not a server failure.
        if (res.destroyed && res.writableFinished === false && (error as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
        throw error;
      }
    },
  };
}
