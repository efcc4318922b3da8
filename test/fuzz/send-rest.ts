/**
 * Sends a generated REST case with node:http (not fetch: the fuzzer must choose every
 * header, any method and any bytes) over a keep-alive agent, and collects the reply.
 */
import { Agent, request } from 'node:http';
import type { RestCase } from './rest-cases';
import type { RestReply } from './reply-check';

/** What became of a request: a reply, or a transport failure (no HTTP answer at all). */
export type RestOutcome = { readonly kind: 'reply'; readonly reply: RestReply } | { readonly kind: 'transport'; readonly message: string };

/** A keep-alive agent for `sockets` parallel requests. */
export function restAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets });
}

/** Send one case to `baseUrl`; never rejects. */
export function sendRest(baseUrl: string, c: RestCase, agent: Agent | false, timeoutMs = 30_000): Promise<RestOutcome> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: RestOutcome): void => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const headers: Record<string, string> = { ...c.headers };
    const declared = headers['content-length'];
    if (c.body !== undefined && declared === undefined) headers['content-length'] = String(c.body.byteLength);
    // A request that lies about its length leaves the connection unusable (the server waits
    // for the rest of the body): it gets a connection of its own, never reused.
    const lies = declared !== undefined && declared !== String(c.body?.byteLength ?? 0);
    if (lies) headers.connection = 'close';
    let req;
    try {
      req = request(
        { host: url.hostname, port: url.port, method: c.method, path: c.path, headers, agent: lies ? false : agent, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const requestId = res.headers['x-request-id'];
            done({
              kind: 'reply',
              reply: {
                method: c.method,
                path: c.path,
                status: res.statusCode ?? 0,
                contentType: res.headers['content-type'] ?? '',
                requestId: typeof requestId === 'string' ? requestId : undefined,
                body: Buffer.concat(chunks),
              },
            });
          });
          res.on('error', (error) => done({ kind: 'transport', message: `response: ${error.message}` }));
        },
      );
    } catch (error) {
      // Node refused to send it at all (an invalid header or path): the case never reached the server.
      done({ kind: 'transport', message: `unsendable: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    req.on('timeout', () => {
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    });
    req.on('error', (error) => {
      // Node's documented keep-alive race: the server closed an idle connection just as it
      // was reused, so the request never reached it. The caller retries on a new connection.
      const stale = req.reusedSocket && ((error as NodeJS.ErrnoException).code === 'ECONNRESET' || error.message === 'socket hang up');
      done({ kind: 'transport', message: stale ? `stale keep-alive connection: ${error.message}` : error.message });
    });
    // A body the server refused early may still be being written: its error must not crash us.
    if (c.body !== undefined) req.end(Buffer.from(c.body.buffer, c.body.byteOffset, c.body.byteLength));
    else req.end();
  });
}
