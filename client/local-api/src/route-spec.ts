/**
 * What one entry of the local API's route table says, and the types read off it: the
 * parsed params, query, body and answer of a route, and the inputs a caller gives.
 */
import type { z } from 'zod';

/** HTTP methods of the local API. */
export type LocalApiMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One route of the local API. */
export interface LocalRouteSpec {
  readonly method: LocalApiMethod;
  /** `:name` segments are parsed by `params` */
  readonly path: `/api/${string}`;
  /** the status of success */
  readonly status: 200 | 201;
  readonly params?: z.ZodType;
  /** routes without one ignore their query string */
  readonly query?: z.ZodType;
  /** JSON request body; an empty body reads as `{}` */
  readonly body?: z.ZodType;
  /**
   * `upload`: the request body is the raw bytes of a file (its name and type in the
   * query). `download`: the answer is raw bytes, served as an attachment, and the route
   * has no `response`.
   */
  readonly stream?: 'upload' | 'download';
  /** the JSON answer */
  readonly response?: z.ZodType;
}

type PathParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/** The `:name` parameters of a route path, as an object of strings. */
export type PathParams<P extends string> = { readonly [K in PathParamNames<P>]: string };

/**
 * Fills the `:name` segments of a route path, percent-encoding each value. A value
 * missing at runtime is a programming error (the types require them all) and throws.
 */
export function buildPath<P extends string>(path: P, params: PathParams<P>): string {
  const values: Readonly<Record<string, string | undefined>> = params;
  return path.replace(/:([A-Za-z]+)/g, (_segment, name: string) => {
    const value = values[name];
    if (value === undefined) throw new TypeError(`buildPath: missing parameter ${name}`);
    return encodeURIComponent(value);
  });
}

/** The `:name` parameters of a path, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] ?? '');
}
