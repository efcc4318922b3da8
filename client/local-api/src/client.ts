/**
 * Calling the local API by route name: the URL is built from the table's path, the body
 * and query from typed inputs, and the answer is parsed from `unknown` with the route's
 * `response` schema. The browser UI calls its own origin and the cross-process tests an
 * agent's URL, both with the bearer token (see auth.ts: no cookie). Anything unexpected becomes an {@link ApiFailure} with a stable code.
 */
import type { z } from 'zod';
import { apiErrorBodySchema } from './errors';
import { buildPath } from './route-spec';
import type { LocalRouteSpec, PathParams } from './route-spec';
import { LOCAL_API_ROUTES } from './routes';
import type { LocalRouteName, LocalRouteResponse } from './routes';

/** A refused or failed call: the agent's error code, or `agent_unreachable` / `bad_response`. */
export class ApiFailure extends Error {
  override readonly name: string = 'ApiFailure';
  constructor(
    /** the HTTP status; 0 when the agent did not answer */
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where and how to reach an agent. */
export interface LocalApiTransport {
  /** `http://127.0.0.1:<port>`, or '' for the page's own origin */
  readonly baseUrl: string;
  /** headers every request carries (a test's `authorization: Bearer <token>`) */
  readonly headers?: Readonly<Record<string, string>>;
}

type Spec<N extends LocalRouteName> = (typeof LOCAL_API_ROUTES)[N];
/** Routes answered with JSON. */
export type JsonRouteName = { [N in LocalRouteName]: Spec<N> extends { readonly response: z.ZodType } ? N : never }[LocalRouteName];
/** Routes answered with a file's bytes. */
export type DownloadRouteName = { [N in LocalRouteName]: Spec<N> extends { readonly stream: 'download' } ? N : never }[LocalRouteName];

/** The empty input: a type every input with only optional fields accepts. */
type NoInput = Record<never, never>;
/** A field that may be left out when everything in it is optional. */
type Field<K extends string, T> = NoInput extends T ? { readonly [P in K]?: T } : { readonly [P in K]: T };
type ParamsInput<N extends LocalRouteName> = keyof PathParams<Spec<N>['path']> extends never ? unknown : Field<'params', PathParams<Spec<N>['path']>>;
type SchemaInput<N extends LocalRouteName, F extends 'query' | 'body'> = Spec<N> extends { readonly [K in F]: infer S extends z.ZodType } ? Field<F, z.input<S>> : unknown;
type UploadInput<N extends LocalRouteName> = Spec<N> extends { readonly stream: 'upload' } ? { readonly file: BodyInit; readonly contentType?: string } : unknown;

/** What a caller of route `N` gives: path parameters, query, JSON body or the file to upload. */
export type LocalRouteInput<N extends LocalRouteName> = ParamsInput<N> & SchemaInput<N, 'query'> & SchemaInput<N, 'body'> & UploadInput<N>;
type InputArgs<N extends LocalRouteName> = NoInput extends LocalRouteInput<N> ? [input?: LocalRouteInput<N>] : [input: LocalRouteInput<N>];

interface ErasedInput {
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  readonly file?: BodyInit;
  readonly contentType?: string;
}

function urlOf(transport: LocalApiTransport, spec: LocalRouteSpec, input: ErasedInput): string {
  const path = buildPath(spec.path, input.params ?? {});
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(input.query ?? {})) if (value !== undefined) query.set(key, value);
  const search = query.toString();
  return `${transport.baseUrl}${path}${search === '' ? '' : `?${search}`}`;
}

async function send(transport: LocalApiTransport, spec: LocalRouteSpec, input: ErasedInput): Promise<Response> {
  const headers: Record<string, string> = { ...transport.headers };
  let body: BodyInit | undefined;
  if (spec.stream === 'upload') {
    body = input.file;
    headers['content-type'] = input.contentType ?? 'application/octet-stream';
  } else if (spec.body !== undefined) {
    body = JSON.stringify(input.body ?? {});
    headers['content-type'] = 'application/json';
  }
  try {
    return await fetch(urlOf(transport, spec, input), { method: spec.method, credentials: 'omit', headers, ...(body === undefined ? {} : { body }) });
  } catch {
    throw new ApiFailure(0, 'agent_unreachable', 'The agent on this computer does not answer.');
  }
}

async function failureOf(res: Response): Promise<ApiFailure> {
  let parsed: unknown;
  try {
    parsed = await res.json();
  } catch {
    parsed = undefined;
  }
  const body = apiErrorBodySchema.safeParse(parsed);
  return body.success
    ? new ApiFailure(res.status, body.data.error.code, body.data.error.message)
    : new ApiFailure(res.status, 'bad_response', `The agent answered ${res.status} without an explanation.`);
}

/** Call a JSON route and parse its answer. */
export async function callRoute<N extends JsonRouteName>(transport: LocalApiTransport, name: N, ...[input]: InputArgs<N>): Promise<LocalRouteResponse<N>> {
  const spec: LocalRouteSpec = LOCAL_API_ROUTES[name];
  const res = await send(transport, spec, (input ?? {}) as ErasedInput);
  if (!res.ok) throw await failureOf(res);
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw new ApiFailure(res.status, 'bad_response', 'The agent sent something that is not JSON.');
  }
  const answer = spec.response?.safeParse(json);
  if (answer === undefined || !answer.success) throw new ApiFailure(res.status, 'bad_response', `The agent sent an answer to ${name} this client does not understand.`);
  return answer.data as LocalRouteResponse<N>;
}

/** Call a download route; the answer's body is the file's bytes. */
export async function openDownload<N extends DownloadRouteName>(transport: LocalApiTransport, name: N, ...[input]: InputArgs<N>): Promise<Response> {
  const res = await send(transport, LOCAL_API_ROUTES[name], (input ?? {}) as ErasedInput);
  if (!res.ok) throw await failureOf(res);
  return res;
}
