/**
 * Request and response bodies for the REST client: reading an answer without letting a
 * hostile server make us buffer without bound, and turning an upload's chunks into a
 * fetch body stream that counts what it sent.
 */
import { RestError } from '../contracts';

/** The body as UTF-8 text; a body over `cap` bytes is refused as `bad_response`. */
export async function readCapped(response: Response, cap: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const step = await reader.read();
      if (step.done) break;
      length += step.value.byteLength;
      if (length > cap) {
        await reader.cancel();
        throw new RestError('bad_response', `answer larger than ${cap} bytes`, response.status);
      }
      chunks.push(step.value);
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A byte stream over `source` for a streamed upload. It reports the running total after
 * each chunk and errors if the source yields more or fewer bytes than `size`, so the
 * server never receives a blob of another length than the caller declared. `failure()`
 * is the source's own error, if the stream failed because of it.
 */
export function streamBody(
  source: AsyncIterable<Uint8Array>,
  size: number,
  onProgress: (sent: number) => void,
): { readonly stream: ReadableStream<Uint8Array>; failure(): Error | undefined } {
  const iterator = source[Symbol.asyncIterator]();
  let sent = 0;
  let failure: Error | undefined;
  // fetch reports a failed body only as a generic network error; keep the real reason.
  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, error: Error): void => {
    failure = error;
    controller.error(error);
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let step: IteratorResult<Uint8Array>;
      try {
        step = await iterator.next();
      } catch (error) {
        fail(controller, error instanceof Error ? error : new Error('upload source failed'));
        return;
      }
      if (step.done) {
        if (sent !== size) fail(controller, new RangeError(`upload source ended after ${sent} of ${size} bytes`));
        else controller.close();
        return;
      }
      const chunk = step.value;
      sent += chunk.byteLength;
      if (sent > size) {
        fail(controller, new RangeError(`upload source yields more than the declared ${size} bytes`));
        return;
      }
      // Copy: the caller may reuse its buffer once the iterator moves on.
      controller.enqueue(new Uint8Array(chunk));
      onProgress(sent);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return { stream, failure: () => failure };
}
