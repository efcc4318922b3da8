/**
 * `@yhteispoyta/admin`: the organisation's admin tooling as a library (the CLI, `npm start`
 * and tests use the same code). See authority.ts.
 */
export * from './authority';
export { AdminClient } from './admin-client';
export { ensureDemoOrganisation } from './demo';
export { MemoryOrgStateStore } from './org-state';
export { watchEnrolments } from './watch';
