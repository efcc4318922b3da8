/**
 * `@yhteispoyta/admin`: the organisation's admin tooling as a library (the CLI, `npm start`
 * and tests use the same code). See authority.ts.
 */
export * from './authority';
export { AdminClient, parseServerUrl } from './admin-client';
export type { AdminClientOptions } from './admin-client';
export { ensureDemoOrganisation } from './demo';
export type { DemoOptions, DemoOrganisation } from './demo';
export { ADMIN_ERROR_CODES, AdminError, ServerRefusedError } from './errors';
export type { AdminErrorCode } from './errors';
export { DEFAULT_KDF, KeyFile, MIN_KDF_N, MIN_PASSPHRASE_CHARS } from './key-file';
export type { KdfParams, KeyFileKind } from './key-file';
export { KeyFileOrgStateStore, MemoryOrgStateStore } from './org-state';
export type { OrgState, OrgStateStore } from './org-state';
export { DEFAULT_WATCH_INTERVAL_MS, watchEnrolments } from './watch';
export type { WatchOptions } from './watch';
