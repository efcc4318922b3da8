/**
 * The typed results every part of the storage port answers with: outcomes a caller must
 * handle are values, exceptions mean the store itself failed.
 */

/** A successful typed result, optionally with a value. */
export type Ok<T extends object = object> = { readonly ok: true } & T;
/** A failed typed result: a stable code plus optional detail. */
export type Fail<C extends string, T extends object = object> = { readonly ok: false; readonly code: C } & T;
