/**
 * The contract between the agent and its browser UI: the local HTTP API's route table,
 * the `/events` stream, problem codes and error codes, and the shapes the UI reads.
 * Only zod: the browser imports it.
 */
export * from './fields';
export * from './problems';
export * from './errors';
export * from './status';
export * from './workspaces';
export * from './devices';
export * from './chat';
export * from './records';
export * from './tasks';
export * from './timeline';
export * from './case-files';
export * from './presence';
export * from './events';
export * from './route-spec';
export * from './routes';
export * from './client';
export * from './auth';
export * from './invitations';
export * from './processing';
export * from './history';
